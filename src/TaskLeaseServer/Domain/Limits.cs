namespace TaskLeaseServer.Domain;

/// <summary>
/// Number hygiene (CONTRACT W16): caller-supplied durations are clamped rather than rejected, and
/// time arithmetic saturates instead of overflowing.
/// </summary>
public static class Limits
{
    public const long DefaultLeaseTtlMs = 300_000;
    public const long MinLeaseTtlMs = 1_000;
    public const long MaxLeaseTtlMs = 86_400_000;

    /// <summary>Written to next_eligible_at_ms of a dead-lettered task (CONTRACT §6).</summary>
    public const long NeverEligibleMs = 9_223_372_036_854_775_000;

    public static long LeaseTtl(long? requested) =>
        Math.Clamp(requested ?? DefaultLeaseTtlMs, MinLeaseTtlMs, MaxLeaseTtlMs);

    public static long AddSaturating(long a, long b)
    {
        var sum = unchecked(a + b);
        if (b > 0 && sum < a) return long.MaxValue;
        if (b < 0 && sum > a) return long.MinValue;
        return sum;
    }

    public static long SubtractSaturating(long a, long b) =>
        b == long.MinValue ? AddSaturating(AddSaturating(a, long.MaxValue), 1) : AddSaturating(a, -b);
}
