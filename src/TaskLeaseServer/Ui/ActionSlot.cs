using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Ui;

/// <summary>
/// Where the read pages put their action buttons: the task's actions of <see cref="Actions"/>
/// (requeue, cancel, pause, resume), for a caller whose session may act, and nothing otherwise.
/// </summary>
public static class ActionSlot
{
    /// <summary>
    /// A task's buttons: in a row of the Attention page (compact) or on the task's own page, with the
    /// definition of its pipeline, which the page has read already (its stages are the requeue targets).
    /// </summary>
    public static void Task(Html h, HttpContext http, TaskRow task, PipelineDefinition? definition, bool compact)
    {
        if (!UiAccess.CanAct(http)) return;
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds();
        if (compact) h.Raw("<div class=\"compact\">");
        Actions.ForTask(h, http, task, definition, now);
        if (compact) h.Raw("</div>");
    }

    /// <summary>A running run's buttons are its task's (requeue with force takes the lease, cancel revokes it).</summary>
    public static void Run(Html h, HttpContext http, RunDetailsRow run, TaskDetailsRows? task)
    {
        if (!UiAccess.CanAct(http) || run.Status != "running" || task is null) return;
        Task(h, http, task.Task, task.Definition, compact: false);
    }
}
