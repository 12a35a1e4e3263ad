namespace TaskLeaseServer.Domain;

/// <summary>
/// What happens to a task after an attempt failed or was abandoned (CONTRACT §7.10): retry after
/// its delay, or dead-letter once the failed attempts reach max_attempts.
/// </summary>
public sealed record RetryDecision(bool DeadLetter, string? DeadLetterStage, long NextEligibleAtMs)
{
    public const string Reason = "max_attempts_exceeded";

    /// <param name="failedAttempts">failed or abandoned runs of the task, this one included</param>
    /// <param name="stageExists">whether a stage name belongs to the task's pipeline</param>
    public static RetryDecision For(long failedAttempts, long? maxAttempts, long retryDelayMs,
        string? deadLetterStage, Func<string, bool> stageExists, long now)
    {
        if (maxAttempts is { } max && failedAttempts >= max)
        {
            var target = deadLetterStage is not null && stageExists(deadLetterStage) ? deadLetterStage : null;
            return new RetryDecision(true, target, Limits.NeverEligibleMs);
        }
        return new RetryDecision(false, null, Limits.AddSaturating(now, Math.Max(0, retryDelayMs)));
    }
}
