using System.Text.Json;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>Event and attribute JSON as short text for a cell; the text is then encoded like any other.</summary>
public static class EventText
{
    public static string Compact(string json, int max = 400) => json.Length <= max ? json : json[..(max - 1)] + "…";

    public static string Pretty(string json) =>
        JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, Indented);

    // The text is HTML-encoded on the page, so the JSON needs no escaping of its own: < shows as <.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The operator who caused a server event (its data's "actor"), or null for an agent's event.</summary>
    public static string? Actor(string dataJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(dataJson);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("actor", out var a) &&
                   a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>OTLP attributes ([{key, value: {stringValue|intValue|…}}]) as "key=value" lines.</summary>
    public static IReadOnlyList<(string Key, string Value)> Attributes(string json)
    {
        var list = new List<(string, string)>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) return list;
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object) continue;
                var key = item.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : "?";
                var value = item.TryGetProperty("value", out var v) ? AnyValue(v) : "";
                list.Add((key, value));
            }
        }
        catch (JsonException) { }
        return list;
    }

    private static string AnyValue(JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in v.EnumerateObject())
                return p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            return "";
        }
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
    }
}
