using System.Collections.Concurrent;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// Keeps api_keys.last_used_at_ms without a write per request: a use is written only when the
/// stored value is a minute old or more, and this node has not written it within that minute, in a
/// unit of its own after the request's check (fire and forget: a lost write only leaves the
/// figure older). So last_used_at_ms is exact to within a minute.
/// </summary>
public sealed class KeyUsage(IWriteExecutor writer, ILogger<KeyUsage> log)
{
    public const long ResolutionMs = 60_000;
    private readonly ConcurrentDictionary<string, long> _written = new(StringComparer.Ordinal);

    public void Used(ApiKeyRow key, long now)
    {
        if (key.LastUsedAtMs is { } stored && now - stored < ResolutionMs) return;
        if (_written.TryGetValue(key.Id, out var mine) && now - mine < ResolutionMs) return;
        _written[key.Id] = now;
        _ = Write(key.Id, now);
    }

    private async Task Write(string id, long now)
    {
        try
        {
            await writer.Run(unit =>
            {
                unit.Keys.Touch(id, now);
                return 0;
            });
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Could not record the last use of API key {KeyId}", id);
        }
    }
}
