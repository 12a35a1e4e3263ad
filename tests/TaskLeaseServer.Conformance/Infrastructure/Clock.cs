namespace TaskLeaseServer.Conformance.Infrastructure;

/// <summary>
/// The server runs on this machine, so its wall clock is ours. Waiting is always a bounded poll of
/// a real condition, never a bare sleep.
/// </summary>
public static class Clock
{
    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Returns once the wall clock is strictly past <paramref name="ms"/> (bounded: the wait plus 5 s).</summary>
    public static async Task PassAsync(long ms)
    {
        var bound = TimeSpan.FromMilliseconds(Math.Max(0, ms - NowMs()) + 5_000);
        await Eventually.TrueAsync(() => Task.FromResult(NowMs() > ms), bound, $"the clock to pass {ms}", pollMs: 5);
    }
}

public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it is true or <paramref name="timeout"/> ends (then fails).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, int pollMs = 50)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}");
            }
            await Task.Delay(pollMs);
        }
    }

    /// <summary>Polls <paramref name="probe"/> until it returns a non-null value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, int pollMs = 50) where T : class
    {
        T? value = null;
        await TrueAsync(async () => (value = await probe()) is not null, timeout, what, pollMs);
        return value!;
    }
}
