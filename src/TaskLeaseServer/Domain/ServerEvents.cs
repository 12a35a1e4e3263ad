using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TaskLeaseServer.Domain;

/// <summary>
/// The events the server itself appends to runs (CONTRACT §7.9-7.11, plus lease_expired and
/// lease_released for the sweeper and release extensions), with their data as compact JSON.
/// </summary>
public static class ServerEvents
{
    public const string Transition = "transition";
    public const string RetryScheduled = "retry_scheduled";
    public const string DeadLetter = "dead_letter";
    public const string LeaseExpired = "lease_expired";
    public const string LeaseReleased = "lease_released";

    // Operator actions (EXTENSIONS §14): data always has the actor.
    public const string Canceled = "canceled";
    public const string Requeued = "requeued";
    public const string Paused = "paused";
    public const string Resumed = "resumed";
    public const string LeaseRevoked = "lease_revoked";
    public const string Edited = "edited";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string TransitionData(string trigger, string from, string to, string instructions) => Json(w =>
    {
        w.WriteString("trigger", trigger);
        w.WriteString("from", from);
        w.WriteString("to", to);
        w.WriteString("instructions", instructions);
    });

    public static string RetryData(long failedAttempts, long retryDelayMs, long nextEligibleAtMs) => Json(w =>
    {
        w.WriteString("reason", RetryScheduled);
        w.WriteNumber("failed_attempts", failedAttempts);
        w.WriteNumber("retry_delay_ms", retryDelayMs);
        w.WriteNumber("next_eligible_at_ms", nextEligibleAtMs);
    });

    public static string DeadLetterData(string reason, long failedAttempts, string fromStage, string? deadLetterStage) => Json(w =>
    {
        w.WriteString("reason", reason);
        w.WriteNumber("failed_attempts", failedAttempts);
        w.WriteString("from_stage", fromStage);
        if (deadLetterStage is null) w.WriteNull("dead_letter_stage");
        else w.WriteString("dead_letter_stage", deadLetterStage);
    });

    public static string LeaseEndedData(string leaseId, string agentId, long expiresAtMs) => Json(w =>
    {
        w.WriteString("lease_id", leaseId);
        w.WriteString("agent_id", agentId);
        w.WriteNumber("expires_at_ms", expiresAtMs);
    });

    /// <summary>An operator event's data: the actor, the reason when one was given, then the action's own fields.</summary>
    public static string OperatorData(string actor, string? reason, Action<Utf8JsonWriter>? more = null) => Json(w =>
    {
        w.WriteString("actor", actor);
        if (reason is not null) w.WriteString("reason", reason);
        more?.Invoke(w);
    });

    /// <summary>Role controls (EXTENSIONS §9, §14): server events of no task, on the role event list.</summary>
    public const string RolePaused = "role_paused";
    public const string RoleResumed = "role_resumed";

    public static string RoleControlData(string actor, string? reason, bool drain) => Json(w =>
    {
        w.WriteString("actor", actor);
        if (reason is not null) w.WriteString("reason", reason);
        if (drain) w.WriteBoolean("drain", true);
    });

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
