using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// Reads request bodies by the rules of CONTRACT §1.5: exactly one JSON object, unknown properties
/// ignored, optional fields given as null treated as absent, integers accepted as integral numbers or
/// numeric strings. Every violation is a 400 invalid_json whose message names the field to fix.
/// </summary>
public readonly struct JsonBody
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, AllowDuplicateProperties = false };
    private static readonly JsonWriterOptions CompactWriter = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string _where;

    public JsonBody(JsonElement element, string where = "")
    {
        Element = element;
        _where = where;
    }

    public JsonElement Element { get; }

    /// <summary>Parses a whole request body; the document is cloned so no pooled buffer escapes.</summary>
    public static JsonBody Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body, Options);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw ApiError.InvalidJson("body is not valid JSON: expected a JSON object");
            if (!JsonText.IsReadable(doc.RootElement))
                throw ApiError.InvalidJson("body is not valid JSON: a string is not valid UTF-8 or holds a lone surrogate escape");
            return new JsonBody(doc.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw ApiError.InvalidJson("body is not valid JSON: " + FirstSentence(e.Message));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Duplicate-name detection reads property names while parsing, so bad text surfaces here too.
            throw ApiError.InvalidJson("body is not valid JSON: a string is not valid UTF-8 or holds a lone surrogate escape");
        }
    }

    public string RequiredString(string name) =>
        OptionalString(name) ?? throw Missing(name, "a string");

    public string? OptionalString(string name)
    {
        if (!TryGet(name, out var v)) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Wrong(name, "a string");
    }

    public long? OptionalLong(string name)
    {
        if (!TryGet(name, out var v)) return null;
        return ReadInteger(v) ?? throw Wrong(name, "an integer (a JSON number or a numeric string without a fraction)");
    }

    /// <summary>An extension field (EXTENSIONS §0): true or false, null when absent or null; any other type is 400 invalid_request.</summary>
    public bool? StrictBool(string name)
    {
        if (!TryGet(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiError.InvalidRequest($"`{Path(name)}` must be true or false"),
        };
    }

    /// <summary>An extension field: a JSON integer ≥ 0, null when absent or null; anything else is 400 invalid_request.</summary>
    public long? StrictNonNegative(string name)
    {
        if (!TryGet(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && ReadInteger(v) is { } n && n >= 0) return n;
        throw ApiError.InvalidRequest($"`{Path(name)}` must be an integer >= 0 (Unix milliseconds; 0 = none)");
    }

    /// <summary>An extension field: a string, null when absent or null; any other type is 400 invalid_request.</summary>
    public string? StrictString(string name)
    {
        if (!TryGet(name, out var v)) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw ApiError.InvalidRequest($"`{Path(name)}` must be a string");
    }

    /// <summary>A free-form JSON field, compactly re-serialised; null when absent or null.</summary>
    public string? OptionalJson(string name) => TryGet(name, out var v) ? Compact(v) : null;

    /// <summary>A free-form JSON field that must be present; an explicit null is returned as "null".</summary>
    public string RequiredJson(string name)
    {
        if (Element.TryGetProperty(name, out var v)) return Compact(v);
        throw Missing(name, "a JSON value");
    }

    public JsonBody? OptionalObject(string name)
    {
        if (!TryGet(name, out var v)) return null;
        return v.ValueKind == JsonValueKind.Object ? new JsonBody(v, Path(name) + ".") : throw Wrong(name, "an object");
    }

    public JsonElement? OptionalArray(string name)
    {
        if (!TryGet(name, out var v)) return null;
        return v.ValueKind == JsonValueKind.Array ? v : throw Wrong(name, "an array");
    }

    public JsonElement RequiredArray(string name) => OptionalArray(name) ?? throw Missing(name, "an array");

    public ApiError Wrong(string name, string expected) => ApiError.InvalidJson($"`{Path(name)}` must be {expected}");

    public static string Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, CompactWriter)) value.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>An integral JSON number or numeric string (5, 5.0, 5e0, "5"), or null if it is not one.</summary>
    public static long? ReadInteger(JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.Number)
        {
            return v.TryGetInt64(out var n) ? n : ParseIntegral(v.GetRawText());
        }
        return v.ValueKind == JsonValueKind.String ? ParseIntegral(v.GetString()!) : null;
    }

    /// <summary>Exactly, digit by digit: a value that is fractional or outside int64 by any amount is not an integer.</summary>
    private static long? ParseIntegral(string text) => IntegralNumber.Parse(text);

    private bool TryGet(string name, out JsonElement value) =>
        Element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private string Path(string name) => _where + name;

    private ApiError Missing(string name, string expected) =>
        ApiError.InvalidJson($"`{Path(name)}` is required and must be {expected}");

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
