using System.Text;
using System.Text.Json;

namespace TaskLeaseServer.Storage.Postgres.Notify;

/// <summary>
/// A <see cref="CommitNotice"/> as NOTIFY payloads on <see cref="Channel"/>: compact JSON with the
/// sending node's id (a node has already delivered its own notices in process, and skips them),
/// wakes grouped as [role, assignee, count], event keys as [run, task, pipeline, role, kind]. A
/// payload stays under PostgreSQL's 8,000-byte limit: a notice with more distinct groups than fit
/// goes out as several payloads, and event keys longer than <see cref="MaxKeyBytes"/> are left out
/// (the receiving nodes then read the new events whatever their streams filter on).
/// </summary>
internal static class NoticeWire
{
    public const string Channel = "tls_commit";
    private const int MaxPayloadBytes = 7_000;
    private const int MaxKeyBytes = 3_000;

    public static List<string> Encode(string node, CommitNotice notice)
    {
        var groups = notice.Wakes.GroupBy(w => w).Select(g => (g.Key, Count: g.Count())).ToList();
        var payloads = new List<string>();
        var start = 0;
        do
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("n", node);
                // Flags and due time ride on the first payload only.
                if (payloads.Count == 0 && notice.Events) w.WriteBoolean("e", true);
                if (payloads.Count == 0 && notice.Events && notice.EventKeys is { } keys && EncodeKeys(keys) is { Length: <= MaxKeyBytes } k)
                {
                    w.WritePropertyName("k");
                    w.WriteRawValue(k, skipInputValidation: true);
                }
                w.WriteStartArray("w");
                while (start < groups.Count && w.BytesCommitted + w.BytesPending < MaxPayloadBytes)
                {
                    var (wake, count) = groups[start++];
                    w.WriteStartArray();
                    w.WriteStringValue(wake.Role);
                    if (wake.Assignee is null) w.WriteNullValue();
                    else w.WriteStringValue(wake.Assignee);
                    w.WriteNumberValue(count);
                    if (wake.All) w.WriteBooleanValue(true);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            payloads.Add(Encoding.UTF8.GetString(buffer.ToArray()));
        } while (start < groups.Count);
        return payloads;
    }

    private static byte[] EncodeKeys(IReadOnlyList<EventKey> keys)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var key in keys)
            {
                w.WriteStartArray();
                foreach (var part in new[] { key.RunId, key.TaskId, key.PipelineId, key.Role, key.Kind })
                {
                    if (part is null) w.WriteNullValue();
                    else w.WriteStringValue(part);
                }
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        return buffer.ToArray();
    }

    /// <summary>The sender and the notice; null for a payload this version cannot read (it is then treated as a recheck).</summary>
    public static (string Node, CommitNotice Notice)? Decode(string payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            var wakes = new List<Wake>();
            foreach (var group in root.GetProperty("w").EnumerateArray())
            {
                var wake = new Wake(group[0].GetString()!, group[1].ValueKind == JsonValueKind.Null ? null : group[1].GetString(),
                    All: group.GetArrayLength() > 3 && group[3].GetBoolean());
                for (var i = group[2].GetInt32(); i > 0; i--) wakes.Add(wake);
            }
            var events = root.TryGetProperty("e", out var e) && e.GetBoolean();
            List<EventKey>? keys = null;
            if (events && root.TryGetProperty("k", out var k))
            {
                keys = k.EnumerateArray().Select(key => new EventKey(key[0].GetString(), key[1].GetString(), key[2].GetString(),
                    key[3].GetString(), key[4].GetString()!)).ToList();
            }
            long? due = root.TryGetProperty("d", out var d) ? d.GetInt64() : null;
            return (root.GetProperty("n").GetString()!, new CommitNotice(wakes, events, due, EventKeys: keys));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return null;
        }
    }
}
