using System.Text.Json;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

/// <summary>
/// The body of PATCH /tasks/{id} (EXTENSIONS §7.4), read strictly: a field the route does not know,
/// or a value of the wrong type, is 400 invalid_request naming it, so a typo never reads as a
/// silent no-op. Null is refused too, except where it means something (retry_policy.max_attempts:
/// unlimited; retry_policy.dead_letter_stage: none).
/// </summary>
internal static class TaskPatch
{
    private static readonly string[] Fields =
        ["title", "description", "priority", "metadata", "retry_policy", "not_before_ms", "expected_task_version"];

    private static readonly string[] RetryFields = ["max_attempts", "retry_delay_ms", "dead_letter_stage"];

    public static (TaskEdit Edit, long? ExpectedTaskVersion, IReadOnlyList<string> Changed) Parse(JsonBody body)
    {
        string? title = null, description = null, metadata = null;
        long? priority = null, notBefore = null, expected = null;
        RetryEdit? retry = null;
        var changed = new List<string>();
        foreach (var field in body.Element.EnumerateObject())
        {
            var v = field.Value;
            switch (field.Name)
            {
                case "title": title = Text(v, "title"); break;
                case "description": description = Text(v, "description"); break;
                case "priority": priority = Integer(v, "priority", min: long.MinValue); break;
                case "metadata":
                    if (v.ValueKind == JsonValueKind.Null) throw Wrong("metadata", "a JSON value other than null (send {} to clear it)");
                    metadata = JsonBody.Compact(v);
                    break;
                case "not_before_ms": notBefore = Integer(v, "not_before_ms", min: 0); break;
                case "expected_task_version": expected = Integer(v, "expected_task_version", min: long.MinValue); break;
                case "retry_policy": retry = Retry(v); break;
                default:
                    throw ApiError.InvalidRequest(
                        $"`{field.Name}` cannot be changed by PATCH; send only {string.Join(", ", Fields.Select(f => "`" + f + "`"))}");
            }
            if (field.Name != "expected_task_version") changed.Add(field.Name);
        }
        if (changed.Count == 0)
            throw ApiError.InvalidRequest($"nothing to change: send at least one of {string.Join(", ", Fields[..^1].Select(f => "`" + f + "`"))}");
        return (new TaskEdit(title, description, priority, metadata, notBefore, retry), expected, changed);
    }

    private static RetryEdit Retry(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object) throw Wrong("retry_policy", "an object");
        bool setsMax = false, setsStage = false;
        long? max = null, delay = null;
        string? stage = null;
        foreach (var field in v.EnumerateObject())
        {
            var x = field.Value;
            switch (field.Name)
            {
                case "max_attempts":
                    setsMax = true;
                    max = x.ValueKind == JsonValueKind.Null ? null : Integer(x, "retry_policy.max_attempts", min: long.MinValue);
                    break;
                case "retry_delay_ms": delay = Integer(x, "retry_policy.retry_delay_ms", min: 0); break;
                case "dead_letter_stage":
                    setsStage = true;
                    stage = x.ValueKind == JsonValueKind.Null ? null : Text(x, "retry_policy.dead_letter_stage");
                    break;
                default:
                    throw ApiError.InvalidRequest(
                        $"`retry_policy.{field.Name}` is not a retry-policy field; send only {string.Join(", ", RetryFields.Select(f => "`" + f + "`"))}");
            }
        }
        return new RetryEdit(setsMax, max, delay, setsStage, stage);
    }

    private static string Text(JsonElement v, string name) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Wrong(name, "a string");

    private static long Integer(JsonElement v, string name, long min) =>
        v.ValueKind == JsonValueKind.Number && JsonBody.ReadInteger(v) is { } n && n >= min
            ? n
            : throw Wrong(name, min == 0 ? "an integer >= 0" : "an integer");

    private static ApiError Wrong(string name, string expected) => ApiError.InvalidRequest($"`{name}` must be {expected}");
}
