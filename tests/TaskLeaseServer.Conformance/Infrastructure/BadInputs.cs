using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TaskLeaseServer.Conformance.Infrastructure;

/// <summary>
/// Bad inputs generated from an OpenAPI document, as a property-based fuzzer would make them (no
/// such tool can be installed here): wrong types and missing required fields from each request
/// schema, hostile whole bodies, hostile query values and path segments.
/// </summary>
public static class BadInputs
{
    public static readonly string[] HostileQueryValues =
        ["abc", "-1", "0", "1.5", "1e-29", "99999999999999999999999", "%ZZ", "%00", "%C3%28", new string('9', 4000)];

    // Not %00: Kestrel refuses a path that decodes to a NUL before any application code runs, with a
    // bare 400 no option turns off (a known gap, listed in docs/api.md).
    public static readonly string[] HostileSegments = ["%C3%28", "%FF%FE", "%2e%2e", new string('x', 3000)];

    /// <summary>Whole bodies no operation accepts as its request shape.</summary>
    public static IEnumerable<(string What, byte[] Body)> HostileBodies()
    {
        foreach (var text in (string[])["", "[]", "null", "\"x\"", "{", "{} x", "{\"a\":1,\"a\":2}", "1e999999", new string('[', 1000) + new string(']', 1000)])
            yield return ($"body `{Short(text)}`", Encoding.UTF8.GetBytes(text));
        yield return ("a string holding byte FF", [.. "{\"kind\":\""u8, 0xFF, .. "\"}"u8]);
        yield return ("a lone surrogate escape", "{\"kind\":\"\\ud800\"}"u8.ToArray());
    }

    /// <summary>The valid example with one field wrong: each required field left out, each typed field of the wrong type.</summary>
    public static IEnumerable<(string What, string Body)> WrongFields(JsonElement doc, JsonElement schema, JsonObject example)
    {
        schema = Resolve(doc, schema);
        if (!schema.TryGetProperty("properties", out var properties)) yield break;
        foreach (var required in schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!) : [])
        {
            var body = (JsonObject)example.DeepClone();
            body.Remove(required);
            yield return ($"without `{required}`", body.ToJsonString());
        }
        foreach (var property in properties.EnumerateObject())
        {
            foreach (var wrong in WrongValues(doc, property.Value))
            {
                var body = (JsonObject)example.DeepClone();
                body[property.Name] = JsonNode.Parse(wrong);
                yield return ($"`{property.Name}`: {Short(wrong)}", body.ToJsonString());
            }
        }
    }

    /// <summary>JSON texts that are not of the property's declared type (nothing for free-form JSON).</summary>
    private static IEnumerable<string> WrongValues(JsonElement doc, JsonElement property)
    {
        var schema = Resolve(doc, property);
        var types = TypesOf(schema);
        if (types.Contains("string")) return ["12345", "true", "[]", "{}"];
        if (types.Contains("integer"))
            return ["\"abc\"", "1.5", "1e-29", "7.0000000000000000000000000000004", "1e400", "9223372036854775808", "-9223372036854775809", "true", "{}"];
        if (types.Contains("boolean")) return ["\"yes\"", "1"];
        if (types.Contains("array"))
            return schema.TryGetProperty("minItems", out var min) && min.GetInt32() > 0 ? ["\"x\"", "{}", "[]", "[1]"] : ["\"x\"", "{}", "[1]"];
        if (types.Contains("object")) return ["\"x\"", "5", "[]"];
        return [];
    }

    private static HashSet<string> TypesOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type)) return [];
        return type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToHashSet() : [type.GetString()!];
    }

    /// <summary>Follows a $ref, or the non-null branch of a nullable anyOf.</summary>
    public static JsonElement Resolve(JsonElement doc, JsonElement schema)
    {
        if (schema.TryGetProperty("anyOf", out var any))
            schema = any.EnumerateArray().First(s => !(s.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "null"));
        if (!schema.TryGetProperty("$ref", out var reference)) return schema;
        return doc.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1]);
    }

    private static string Short(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
