using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Lifecycle;

/// <summary>
/// Creating pipelines, tasks, dependency edges, assignments and artifacts: the checks in the
/// contract's order, then the engine's writes.
/// </summary>
public static class Creation
{
    public static string Pipeline(IWriteUnit unit, string name, string definitionJson, PipelineDefinition definition)
    {
        var id = Ids.New();
        if (!unit.Pipelines.TryInsert(id, name, definitionJson, definition))
            throw new DomainError(Fault.DuplicatePipelineName, $"a pipeline named \"{name}\" already exists; pipeline names are unique");
        return id;
    }

    /// <summary>
    /// Every item is checked in order first, then all go in together. Items cannot refer to one
    /// another, so checking all before inserting any gives the same answers as checking each in turn.
    /// </summary>
    public static IReadOnlyList<string> Tasks(IWriteUnit unit, IReadOnlyList<NewTask> tasks)
    {
        var inserts = new List<TaskInsert>(tasks.Count);
        foreach (var task in tasks)
        {
            var definition = unit.Pipelines.Definition(task.PipelineId)
                ?? throw new DomainError(Fault.PipelineNotFound, $"no pipeline has id \"{task.PipelineId}\"");
            var stage = definition.Initial;
            inserts.Add(new TaskInsert(Ids.New(), task, stage, definition.RoleOf(stage), definition.IsTerminal(stage),
                Unresolved(unit, task.Dependencies)));
        }
        unit.Tasks.InsertMany(inserts);
        // One wake per ready task: a bulk of 100 serves 100 waiters.
        foreach (var insert in inserts)
        {
            if (insert.BlockedDeps == 0 && !insert.Task.Paused && !ClaimRule.Waiting(insert.Task.NotBeforeMs, unit.Now))
                unit.Claimable(insert.Role, insert.Task.AssignedAgentId);
            else if (insert.BlockedDeps == 0 && !insert.Task.Paused) unit.DueAt(insert.Task.NotBeforeMs);
        }
        return inserts.ConvertAll(i => i.Id);
    }

    /// <summary>Unfinished upstream tasks among <paramref name="dependencies"/>; unknown or repeated ones are refused.</summary>
    private static long Unresolved(IWriteUnit unit, IReadOnlyList<string> dependencies)
    {
        if (dependencies.Count == 0) return 0;
        long unresolved = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dependency in dependencies)
        {
            var terminal = unit.Tasks.IsTerminal(dependency)
                ?? throw new DomainError(Fault.UpstreamNotFound, $"upstream task \"{dependency}\" does not exist");
            if (!seen.Add(dependency))
                throw new DomainError(Fault.DuplicateDependency, $"dependency \"{dependency}\" is listed twice");
            if (!terminal) unresolved++;
        }
        return unresolved;
    }

    /// <summary>Adds an edge of the DAG: never to itself, never closing a cycle, never twice.</summary>
    public static void Dependency(IWriteUnit unit, string taskId, string upstreamId)
    {
        if (taskId == upstreamId) throw new DomainError(Fault.InvalidDependency, "a task cannot depend on itself");
        if (unit.Tasks.Find(taskId) is null) throw new DomainError(Fault.TaskNotFound, $"no task has id \"{taskId}\"");
        var upstream = unit.Tasks.Find(upstreamId)
            ?? throw new DomainError(Fault.DependencyTaskNotFound, $"upstream task \"{upstreamId}\" does not exist");
        if (!unit.Dependencies.TryAdd(taskId, upstreamId))
            throw new DomainError(Fault.DuplicateDependency, "this dependency already exists");
        if (unit.Dependencies.Reaches(upstreamId, taskId))
            throw new DomainError(Fault.InvalidDependency,
                $"task \"{upstreamId}\" already depends (directly or transitively) on \"{taskId}\"; the edge would close a cycle");
        if (!upstream.Terminal) unit.Dependencies.Block(taskId);
    }

    public static void Assignment(IWriteUnit unit, string taskId, string agentId, string? assignedBy)
    {
        var task = unit.Tasks.Find(taskId) ?? throw new DomainError(Fault.TaskNotFound, $"no task has id \"{taskId}\"");
        unit.Assignments.Assign(taskId, agentId, assignedBy);
        unit.Claimable(task.Role, agentId);
    }

    public static void Unassignment(IWriteUnit unit, string taskId, string agentId)
    {
        if (!unit.Assignments.Unassign(taskId, agentId))
            throw new DomainError(Fault.AssignmentNotFound, $"task \"{taskId}\" has no active assignment for agent \"{agentId}\"");
        unit.Claimable(unit.Tasks.Find(taskId)?.Role, assignee: null);
    }

    /// <summary>Unknown task or run ids are 404s (the reference let the foreign key fail with a 500).</summary>
    public static string Artifact(IWriteUnit unit, NewArtifact artifact)
    {
        if (artifact.TaskId is { } taskId && !unit.Artifacts.TaskExists(taskId))
            throw new DomainError(Fault.TaskNotFound, $"no task has id \"{taskId}\"; omit task_id or name an existing task");
        if (artifact.RunId is { } runId && !unit.Artifacts.RunExists(runId))
            throw new DomainError(Fault.RunNotFound, $"no run has id \"{runId}\"; omit run_id or name an existing run");
        var id = Ids.New();
        unit.Artifacts.Insert(id, artifact);
        return id;
    }
}
