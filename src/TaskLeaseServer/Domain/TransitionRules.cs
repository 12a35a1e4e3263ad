namespace TaskLeaseServer.Domain;

/// <summary>
/// What a transition must satisfy before anything moves, checked in this order: the run is still
/// running, the task is in the stage and at the version the caller expects (when it says), and the
/// current stage has an edge for the trigger.
/// </summary>
public static class TransitionRules
{
    /// <returns>the edge the task will follow</returns>
    public static TransitionDef Edge(string runStatus, string stage, long taskVersion, string taskId,
        PipelineDefinition definition, string trigger, string? expectedStage, long? expectedTaskVersion)
    {
        if (runStatus != "running") throw new DomainError(Fault.RunNotRunning, $"the run is {runStatus}, not running");
        if (expectedStage is not null && expectedStage != stage)
            throw new DomainError(Fault.ExpectedStageMismatch,
                $"the task is in stage \"{stage}\", not \"{expectedStage}\"; re-read it before transitioning");
        if (expectedTaskVersion is { } expected && expected != taskVersion) throw VersionMismatch(taskVersion, expected);
        return definition.Find(stage, trigger)
            ?? throw new DomainError(Fault.InvalidTransition,
                $"stage \"{stage}\" has no transition with trigger \"{trigger}\"; see available_transitions on GET /tasks/{taskId}");
    }

    public static DomainError VersionMismatch(long actual, long expected) =>
        new(Fault.TaskVersionMismatch, $"the task is at version {actual}, not {expected}; re-read it before transitioning");
}
