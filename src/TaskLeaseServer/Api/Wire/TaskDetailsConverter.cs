using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskLeaseServer.Api.Wire;

/// <summary>Writes <see cref="TaskDetails"/> as one flat object: the task's own fields first.</summary>
public sealed class TaskDetailsConverter : JsonConverter<TaskDetails>
{
    public override TaskDetails Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("task details are only written");

    public override void Write(Utf8JsonWriter writer, TaskDetails value, JsonSerializerOptions options)
    {
        using var task = JsonSerializer.SerializeToDocument(value.Task, WireJson.Wire.TaskView);
        writer.WriteStartObject();
        foreach (var property in task.RootElement.EnumerateObject()) property.WriteTo(writer);
        if (value.LatestRun is not null)
        {
            writer.WritePropertyName("latest_run");
            JsonSerializer.Serialize(writer, value.LatestRun, WireJson.Wire.Run);
        }
        writer.WritePropertyName("dependencies");
        JsonSerializer.Serialize(writer, value.Dependencies, WireJson.Wire.IReadOnlyListDependency);
        writer.WritePropertyName("assignments");
        JsonSerializer.Serialize(writer, value.Assignments, WireJson.Wire.IReadOnlyListTaskAssignment);
        writer.WritePropertyName("available_transitions");
        JsonSerializer.Serialize(writer, value.AvailableTransitions, WireJson.Wire.IReadOnlyListAvailableTransition);
        writer.WritePropertyName("usage_total");
        writer.WriteRawValue(value.UsageTotal.Text, skipInputValidation: true);
        writer.WriteEndObject();
    }
}
