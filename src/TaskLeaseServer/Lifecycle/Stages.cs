using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Lifecycle;

/// <summary>Moving a task between stages, keeping its claimability and its dependents' true.</summary>
public static class Stages
{
    /// <summary>Moves the task (fenced on the version it was read at) and bumps its version.</summary>
    /// <param name="afterSuccess">the move ends a successful run (a transition)</param>
    public static void Move(IWriteUnit unit, TaskRow task, string stage, bool afterSuccess)
    {
        var definition = unit.Pipelines.Definition(task.PipelineId)!;
        var terminal = definition.IsTerminal(stage);
        var role = definition.RoleOf(stage);
        if (!unit.Tasks.MoveStage(new StageMove(task.Id, task.TaskVersion, stage, role, terminal, afterSuccess)))
            throw TransitionRules.VersionMismatch(unit.Tasks.Find(task.Id)?.TaskVersion ?? 0, task.TaskVersion);
        if (terminal && !task.Terminal)
        {
            foreach (var unblocked in unit.Tasks.UpstreamResolved(task.Id)) unit.Claimable(unblocked.Role, unblocked.Assignee);
        }
        else if (!terminal && task.Terminal)
        {
            unit.Tasks.UpstreamReopened(task.Id);
        }
        unit.Claimable(role, task.Assignee);
    }
}
