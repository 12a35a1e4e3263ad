using System.Net;
using System.Net.Sockets;

namespace TaskLeaseServer.Ui;

/// <summary>
/// Failed sign-ins per client address: after <see cref="MaxFailures"/> within <see cref="Window"/>
/// every attempt from that address is refused until the oldest of them is a window old, without
/// the credential being checked (so guessing cannot go on behind the refusals). Only failures
/// count: signing in with a good key costs nothing. IPv6 addresses count by their /64, the block
/// one client usually holds. The table holds at most <see cref="MaxAddresses"/> addresses; beyond
/// that the one whose last failure is oldest is forgotten. Time comes from the server's TimeProvider.
/// </summary>
public sealed class SignInThrottle(TimeProvider time)
{
    public const int MaxFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    public const int MaxAddresses = 10_000;

    private readonly Dictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    /// <summary>When <paramref name="address"/> may try again, or null when it may now.</summary>
    public DateTimeOffset? RetryAt(IPAddress? address)
    {
        var now = time.GetUtcNow();
        lock (_failures)
        {
            if (!_failures.TryGetValue(Key(address), out var times)) return null;
            Expire(times, now);
            return times.Count >= MaxFailures ? times.Peek() + Window : null;
        }
    }

    public void Failed(IPAddress? address)
    {
        var now = time.GetUtcNow();
        var key = Key(address);
        lock (_failures)
        {
            if (!_failures.TryGetValue(key, out var times))
            {
                if (_failures.Count >= MaxAddresses) Prune(now);
                _failures[key] = times = new Queue<DateTimeOffset>(MaxFailures);
            }
            Expire(times, now);
            times.Enqueue(now);
            while (times.Count > MaxFailures) times.Dequeue();
        }
    }

    private static void Expire(Queue<DateTimeOffset> times, DateTimeOffset now)
    {
        while (times.Count > 0 && times.Peek() + Window <= now) times.Dequeue();
    }

    /// <summary>Drops every address with no failure left in the window; if none, the one whose last failure is oldest.</summary>
    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, times) in _failures)
        {
            Expire(times, now);
            if (times.Count == 0) _failures.Remove(key);
        }
        if (_failures.Count < MaxAddresses) return;
        var oldest = _failures.MinBy(kv => kv.Value.Last()).Key;
        _failures.Remove(oldest);
    }

    private static string Key(IPAddress? address)
    {
        if (address is null) return "";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
