using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api.Wire;

/// <summary>Stored rows to wire shapes: the one place where a column becomes a contract field.</summary>
public static class Mapping
{
    public static Pipeline ToWire(this PipelineRow p) => new(p.Id, p.Name, new RawJson(p.DefinitionJson), p.CreatedAtMs);

    /// <param name="now">the time the status is derived at</param>
    public static TaskView ToWire(this TaskRow t, long now) => new(t.Id, t.PipelineId, t.Stage, t.Title, t.Description, t.Priority,
        new RawJson(t.MetadataJson), t.TaskVersion, t.NextEligibleAtMs, t.RetryDelayMs, t.MaxAttempts, t.DeadLetterStage,
        t.DeadLetterReason, t.CreatedAtMs, t.UpdatedAtMs, TaskStatusRule.Of(t.State(now), now), t.Paused, t.CanceledAtMs,
        t.CancelReason, t.NotBeforeMs);

    public static Run ToWire(this RunRow r) =>
        new(r.Id, r.TaskId, r.Attempt, r.Status, r.AgentId, r.AgentRole, r.StartedAtMs, r.EndedAtMs);

    public static Dependency ToWire(this DependencyRow d) => new(d.DependsOnTaskId, d.Resolved);

    public static Assignment ToWire(this AssignmentRow a) =>
        new(a.TaskId, a.AgentId, a.AssignedBy, a.Active, a.CreatedAtMs, a.UpdatedAtMs);

    public static TaskAssignment ToEmbedded(this AssignmentRow a) =>
        new(a.AgentId, a.AssignedBy, a.Active, a.CreatedAtMs, a.UpdatedAtMs);

    public static AvailableTransition ToWire(this TransitionDef t) => new(t.Trigger, t.To, t.RequiredGates);

    public static RunEvent ToWire(this EventRow e) => new(e.Id, e.RunId, e.TsMs, e.Kind, new RawJson(e.DataJson));

    public static Artifact ToWire(this ArtifactRow a) => new(a.Id, a.TaskId, a.RunId, a.CreatedAtMs, a.Kind, a.Uri,
        a.Sha256Hex, a.SizeBytes, new RawJson(a.MetaJson));

    public static StoreEntry ToWire(this StoreEntryRow s) =>
        new(s.Namespace, s.Key, new RawJson(s.ValueJson), s.CreatedAtMs, s.UpdatedAtMs);

    public static SpanView ToWire(this SpanRow s) => new(s.Id, s.Name, s.TraceId, s.SpanId, s.ParentSpanId, s.Kind,
        s.StartTimeUnixNano, s.EndTimeUnixNano, s.StatusCode, s.StatusMessage, new RawJson(s.AttributesJson),
        new RawJson(s.ResourceAttributesJson), s.ScopeName, s.ScopeVersion, s.RunId, s.TaskId, s.BatchId);

    public static TaskDetails ToWire(this TaskDetailsRows d, long now) => new(
        d.Task.ToWire(now), d.LatestRun?.ToWire(),
        d.Dependencies.Select(ToWire).ToList(),
        d.Assignments.Select(ToEmbedded).ToList(),
        d.Definition.From(d.Task.Stage).Select(ToWire).ToList(),
        new RawJson(UsageTotal.Of(d.RunUsages)));

    public static RunDetails ToWire(this RunDetailsRow r) => new(r.Id, r.TaskId, r.Attempt, r.Status, r.AgentId, r.AgentRole,
        r.StartedAtMs, r.EndedAtMs, new RawJson(r.UsageJson), r.ErrorText, r.FailureKind, r.LeaseId, r.LeaseExpiresAtMs, r.LastHeartbeatMs);
}
