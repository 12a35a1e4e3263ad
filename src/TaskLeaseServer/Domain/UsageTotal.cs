using System.Buffers;
using System.Text;
using System.Text.Json;

namespace TaskLeaseServer.Domain;

/// <summary>
/// A task's usage_total (EXTENSIONS §5): the sum of the numeric top-level fields of every run's
/// usage object, by name, in the order names first appear. A field that is not a number in some
/// run (or a usage that is not an object) is skipped there; nested objects are not descended
/// into. Integers add up exactly; a sum that involves a fraction is a decimal (0.1 + 0.2 = 0.3).
/// </summary>
public static class UsageTotal
{
    public static string Of(IEnumerable<string> usages)
    {
        var totals = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var usage in usages)
        {
            using var doc = JsonDocument.Parse(usage);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) continue;
            foreach (var field in doc.RootElement.EnumerateObject())
            {
                if (field.Value.ValueKind != JsonValueKind.Number || !field.Value.TryGetDecimal(out var value)) continue;
                if (!totals.TryGetValue(field.Name, out var total)) order.Add(field.Name);
                try
                {
                    totals[field.Name] = total + value;
                }
                catch (OverflowException)
                {
                    totals[field.Name] = value > 0 ? decimal.MaxValue : decimal.MinValue;
                }
            }
        }
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            // Dividing by 1.000… drops trailing zeros a decimal keeps (0.10 + 0.20 is written 0.3).
            foreach (var name in order) w.WriteNumber(name, totals[name] / 1.000000000000000000000000000000000m);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
