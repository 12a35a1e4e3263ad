using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions;

namespace TaskLeaseServer.Conformance.Infrastructure;

/// <summary>Assertions about wire shapes that many facts share.</summary>
public static partial class Expect
{
    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex UuidV4Pattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex LeaseTokenPattern();

    public static void Status(ApiResponse response, int status) =>
        response.Status.Should().Be(status, "of the response {0}", response);

    /// <summary>Status, a valid <c>{"error":{"code","message"}}</c> envelope, and the code.</summary>
    public static void Error(ApiResponse response, int status, string code)
    {
        Status(response, status);
        ErrorEnvelope(response);
        response.Json.GetProperty("error").GetProperty("code").GetString().Should().Be(code, "of the response {0}", response);
    }

    /// <summary>The body is JSON of the shape <c>{"error":{"code":string,"message":string}}</c>.</summary>
    public static void ErrorEnvelope(ApiResponse response)
    {
        response.ContentType.Should().Be("application/json", "every response is JSON ({0})", response);
        var root = response.Json;
        root.ValueKind.Should().Be(JsonValueKind.Object, "the error body is an object ({0})", response);
        root.TryGetProperty("error", out var error).Should().BeTrue("the body has an `error` property ({0})", response);
        error.ValueKind.Should().Be(JsonValueKind.Object, "`error` is an object ({0})", response);
        error.TryGetProperty("code", out var code).Should().BeTrue("`error.code` exists ({0})", response);
        code.ValueKind.Should().Be(JsonValueKind.String, "`error.code` is a string ({0})", response);
        code.GetString().Should().NotBeNullOrEmpty();
        error.TryGetProperty("message", out var message).Should().BeTrue("`error.message` exists ({0})", response);
        message.ValueKind.Should().Be(JsonValueKind.String, "`error.message` is a string ({0})", response);
    }

    /// <summary>A 4xx carrying a valid envelope: what every hostile request must get.</summary>
    public static void ClientError(ApiResponse response)
    {
        response.Status.Should().BeInRange(400, 499, "a bad request is the client's fault, never a 5xx ({0})", response);
        ErrorEnvelope(response);
    }

    public static void UuidV4(string? value, string what) =>
        value.Should().MatchRegex(UuidV4Pattern(), "{0} is a lowercase UUID v4", what);

    public static void LeaseToken(string? value) =>
        value.Should().MatchRegex(LeaseTokenPattern(), "the lease token is 64 lowercase hex characters");

    public static void Kind(JsonElement element, string property, JsonValueKind kind) =>
        element.GetProperty(property).ValueKind.Should().Be(kind, "`{0}` in {1}", property, element.GetRawText());

    /// <summary>Every named property is present (extra additive properties are tolerated).</summary>
    public static void HasProperties(JsonElement element, params string[] names)
    {
        element.ValueKind.Should().Be(JsonValueKind.Object, "expected an object, got {0}", element.GetRawText());
        foreach (var name in names)
        {
            element.TryGetProperty(name, out _).Should().BeTrue("`{0}` must be present in {1}", name, element.GetRawText());
        }
    }

    public static void LacksProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out _).Should().BeFalse("`{0}` must be absent from {1}", name, element.GetRawText());

    /// <summary>The Task shape of §7.4 with the JSON type of every field.</summary>
    public static void TaskShape(JsonElement task)
    {
        HasProperties(task, "id", "pipeline_id", "stage", "title", "description", "priority", "metadata", "task_version",
            "next_eligible_at_ms", "retry_delay_ms", "max_attempts", "dead_letter_stage", "dead_letter_reason",
            "created_at_ms", "updated_at_ms");
        UuidV4(task.GetProperty("id").GetString(), "task id");
        foreach (var s in new[] { "pipeline_id", "stage", "title", "description" }) Kind(task, s, JsonValueKind.String);
        foreach (var n in new[] { "priority", "task_version", "next_eligible_at_ms", "retry_delay_ms", "created_at_ms", "updated_at_ms" })
        {
            Kind(task, n, JsonValueKind.Number);
        }
        task.GetProperty("max_attempts").ValueKind.Should().BeOneOf(JsonValueKind.Number, JsonValueKind.Null);
        task.GetProperty("dead_letter_stage").ValueKind.Should().BeOneOf(JsonValueKind.String, JsonValueKind.Null);
        task.GetProperty("dead_letter_reason").ValueKind.Should().BeOneOf(JsonValueKind.String, JsonValueKind.Null);
    }

    /// <summary>The Run shape of §7.4.</summary>
    public static void RunShape(JsonElement run)
    {
        HasProperties(run, "id", "task_id", "attempt", "status", "agent_id", "agent_role", "started_at_ms", "ended_at_ms");
        UuidV4(run.GetProperty("id").GetString(), "run id");
        Kind(run, "attempt", JsonValueKind.Number);
        Kind(run, "status", JsonValueKind.String);
        run.GetProperty("status").GetString().Should().BeOneOf("running", "completed", "failed", "stale");
    }

    /// <summary>Asserts two JSON texts are the same value (property order ignored).</summary>
    public static void SameJson(string actual, string expected, string because = "")
    {
        Normalize(actual).Should().Be(Normalize(expected), because);
    }

    private static string Normalize(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Canon(doc.RootElement);
    }

    private static string Canon(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => JsonSerializer.Serialize(p.Name) + ":" + Canon(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join(",", e.EnumerateArray().Select(Canon)) + "]",
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : e.GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        JsonValueKind.String => JsonSerializer.Serialize(e.GetString()),
        _ => e.GetRawText(),
    };
}
