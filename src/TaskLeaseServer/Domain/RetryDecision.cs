namespace TaskLeaseServer.Domain;

/// <summary>
/// What happens to a task after an attempt failed or was abandoned (CONTRACT §7.10): retry after
/// its delay, or dead-letter once the failed attempts reach max_attempts.
/// </summary>
/// <param name="Reason">why the task is dead-lettered (null when it is retried)</param>
public sealed record RetryDecision(bool DeadLetter, string? DeadLetterStage, long NextEligibleAtMs, string? Reason = null)
{
    public const string Exhausted = "max_attempts_exceeded";

    /// <summary>The agent said the failure will not go away on a retry (EXTENSIONS §4: fail with retryable false).</summary>
    public const string NonRetryable = "non_retryable";

    /// <param name="failedAttempts">failed or abandoned runs of the task, this one included</param>
    /// <param name="stageExists">whether a stage name belongs to the task's pipeline</param>
    /// <param name="retryable">false: dead-letter now, whatever attempts remain</param>
    public static RetryDecision For(long failedAttempts, long? maxAttempts, long retryDelayMs,
        string? deadLetterStage, Func<string, bool> stageExists, long now, bool retryable = true)
    {
        var reason = !retryable ? NonRetryable : maxAttempts is { } max && failedAttempts >= max ? Exhausted : null;
        if (reason is not null)
        {
            var target = deadLetterStage is not null && stageExists(deadLetterStage) ? deadLetterStage : null;
            return new RetryDecision(true, target, Limits.NeverEligibleMs, reason);
        }
        return new RetryDecision(false, null, Limits.AddSaturating(now, Math.Max(0, retryDelayMs)));
    }
}
