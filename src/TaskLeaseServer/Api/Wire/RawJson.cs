using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskLeaseServer.Api.Wire;

/// <summary>
/// A stored free-form JSON value (metadata, definition, data, ...) emitted verbatim: it was
/// validated and compacted on the way in, so it is not parsed again on the way out.
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
public readonly record struct RawJson(string Text);

public sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return new RawJson(doc.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Text, skipInputValidation: true);
}
