using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api.Otlp;

/// <summary>
/// Reads an OTLP/JSON ExportTraceServiceRequest (CONTRACT §8.3): recognised camelCase properties
/// must have their JSON type or the whole request is 400 invalid_json; unknown properties are
/// ignored; spans without traceId or spanId are skipped. Unlike the reference, start and end times
/// may be JSON numbers as well as strings (W23).
/// </summary>
public static class OtlpJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64, AllowDuplicateProperties = false };
    private static readonly JsonWriterOptions CompactWriter = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Where a link attribute's text comes from when its value is an object, in this order.
    private static readonly string[] ValueKeys = ["stringValue", "intValue", "doubleValue", "boolValue", "bytesValue"];

    public static DecodedSpans Decode(ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw Invalid("the body is not valid JSON (" + FirstSentence(e.Message) + ")");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Duplicate-name detection reads property names while parsing, so bad text surfaces here too.
            throw Invalid("the body is not UTF-8 text, or holds a lone surrogate escape");
        }

        using (document)
        {
            var root = document.RootElement;
            if (!JsonText.IsReadable(root)) throw Invalid("a string is not valid UTF-8 or holds a lone surrogate escape");
            if (root.ValueKind != JsonValueKind.Object) throw Invalid("the body must be a JSON object");
            var spans = new DecodedSpans();
            var resourceSpans = Objects(root, "resourceSpans", "");
            for (var i = 0; i < resourceSpans.Count; i++) ReadResourceSpans(resourceSpans[i], $"resourceSpans[{i}]", spans);
            return spans;
        }
    }

    private static void ReadResourceSpans(JsonElement entry, string path, DecodedSpans spans)
    {
        var resource = Object(entry, "resource", path);
        var attributes = resource is { } r ? ReadAttributes(r, "attributes", path + ".resource") : AttributeList.None;
        // Both lists are read when both are present; the legacy one comes second (CONTRACT §8.3).
        foreach (var listName in (string[])["scopeSpans", "instrumentationLibrarySpans"])
        {
            var scopes = Objects(entry, listName, path);
            for (var i = 0; i < scopes.Count; i++) ReadScopeSpans(scopes[i], $"{path}.{listName}[{i}]", attributes, spans);
        }
    }

    private static void ReadScopeSpans(JsonElement entry, string path, AttributeList resource, DecodedSpans spans)
    {
        var scope = Object(entry, "scope", path);
        var library = Object(entry, "instrumentationLibrary", path);
        string? scopeName = null, scopeVersion = null;
        // "scope" wins whenever it is present, even with null fields.
        if ((scope ?? library) is { } s)
        {
            var where = path + (scope is null ? ".instrumentationLibrary" : ".scope");
            scopeName = String(s, "name", where);
            scopeVersion = String(s, "version", where);
            if (scope is not null && library is { } l)
            {
                String(l, "name", path + ".instrumentationLibrary");
                String(l, "version", path + ".instrumentationLibrary");
            }
        }

        var items = Objects(entry, "spans", path);
        for (var i = 0; i < items.Count; i++)
        {
            if (ReadSpan(items[i], $"{path}.spans[{i}]", resource, scopeName, scopeVersion) is { } span) spans.Add(span);
        }
    }

    private static OtlpSpan? ReadSpan(JsonElement span, string path, AttributeList resource, string? scopeName, string? scopeVersion)
    {
        var traceId = String(span, "traceId", path);
        var spanId = String(span, "spanId", path);
        var parentSpanId = String(span, "parentSpanId", path);
        var name = String(span, "name", path);
        var kind = Present(span, "kind") is { } k ? TextOf(k) : null;
        var start = Nanos(span, "startTimeUnixNano", path);
        var end = Nanos(span, "endTimeUnixNano", path);
        var attributes = ReadAttributes(span, "attributes", path);
        string? statusCode = null, statusMessage = null;
        if (Object(span, "status", path) is { } status)
        {
            statusCode = Present(status, "code") is { } code ? TextOf(code) : null;
            statusMessage = String(status, "message", path + ".status");
        }
        if (traceId is null || spanId is null) return null;
        return new OtlpSpan(traceId, spanId, parentSpanId, name ?? OtlpSpan.Unnamed, kind, start, end, statusCode, statusMessage,
            attributes.Json, resource.Json, scopeName, scopeVersion, attributes.RunId ?? resource.RunId,
            attributes.TaskId ?? resource.TaskId, Compact(span));
    }

    /// <summary>A KeyValue[] as stored (JSON text) and the texts of its link attributes.</summary>
    private sealed record AttributeList(string Json, string? RunId, string? TaskId)
    {
        public static readonly AttributeList None = new("[]", null, null);
    }

    private static AttributeList ReadAttributes(JsonElement parent, string name, string path)
    {
        if (Array(parent, name, path) is not { } array) return AttributeList.None;
        var links = new SpanLinks();
        var i = 0;
        foreach (var keyValue in array.EnumerateArray())
        {
            var where = $"{path}.{name}[{i++}]";
            if (keyValue.ValueKind != JsonValueKind.Object) throw Wrong(where, "an object with `key` and `value`");
            var key = String(keyValue, "key", where) ?? throw Wrong(where + ".key", "a string");
            if (!keyValue.TryGetProperty("value", out var value)) throw Wrong(where + ".value", "present");
            links.Offer(key, value, AttributeText);
        }
        return new AttributeList(Compact(array), links.RunId, links.TaskId);
    }

    /// <summary>An attribute value as link text: the first present typed value of an AnyValue object, else the value itself.</summary>
    private static string? AttributeText(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) return TextOf(value);
        foreach (var key in ValueKeys)
        {
            if (value.TryGetProperty(key, out var typed)) return TextOf(typed);
        }
        return Compact(value);
    }

    /// <summary>Text form of any JSON value: strings as-is, numbers and booleans as written, the rest as JSON; null stays null.</summary>
    private static string? TextOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => Compact(value),
    };

    /// <summary>Nanoseconds as a decimal string or (unlike the reference) an integral JSON number; anything unreadable is null.</summary>
    private static long? Nanos(JsonElement parent, string name, string path)
    {
        if (Present(parent, name) is not { } value) return null;
        if (value.ValueKind == JsonValueKind.String)
        {
            return long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        }
        if (value.ValueKind != JsonValueKind.Number) throw Wrong($"{path}.{name}", "a string or a number of nanoseconds");
        if (value.TryGetInt64(out var n)) return n;
        // Exporters sometimes write 1.7e18; accept it when it is a whole number within int64.
        return IntegralNumber.Parse(value.GetRawText());
    }

    private static List<JsonElement> Objects(JsonElement parent, string name, string path)
    {
        var list = new List<JsonElement>();
        if (Array(parent, name, path) is not { } array) return list;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object) throw Wrong($"{Join(path, name)}[{list.Count}]", "an object");
            list.Add(item);
        }
        return list;
    }

    private static JsonElement? Array(JsonElement parent, string name, string path) =>
        Typed(parent, name, path, JsonValueKind.Array, "an array");

    private static JsonElement? Object(JsonElement parent, string name, string path) =>
        Typed(parent, name, path, JsonValueKind.Object, "an object");

    private static string? String(JsonElement parent, string name, string path) =>
        Typed(parent, name, path, JsonValueKind.String, "a string")?.GetString();

    private static JsonElement? Typed(JsonElement parent, string name, string path, JsonValueKind kind, string expected)
    {
        if (Present(parent, name) is not { } value) return null;
        return value.ValueKind == kind ? value : throw Wrong(Join(path, name), expected);
    }

    /// <summary>The property's value; absent and JSON null are the same thing.</summary>
    private static JsonElement? Present(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, CompactWriter)) value.WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static ApiError Wrong(string path, string expected) => Invalid($"`{path}` must be {expected}");

    private static ApiError Invalid(string detail) => ApiError.InvalidJson("OTLP JSON could not be parsed: " + detail);

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
