using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Ui;

/// <summary>
/// Where the read pages put their action buttons: the task's actions of <see cref="Actions"/>
/// (requeue, cancel, pause, resume), for a caller whose session may act, and nothing otherwise.
/// </summary>
public static class ActionSlot
{
    /// <summary>A task's buttons: in a row of the Attention page (compact) or on the task's own page.</summary>
    public static void Task(Html h, HttpContext http, TaskRow task, bool compact)
    {
        if (!UiAccess.CanAct(http)) return;
        var services = http.RequestServices;
        var pipeline = services.GetRequiredService<IReads>().Pipeline(task.PipelineId);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds();
        if (compact) h.Raw("<div class=\"compact\">");
        Actions.ForTask(h, http, task, pipeline is null ? null : Definitions.Of(pipeline), now);
        if (compact) h.Raw("</div>");
    }

    /// <summary>A running run's buttons are its task's (requeue with force takes the lease, cancel revokes it).</summary>
    public static void Run(Html h, HttpContext http, RunDetailsRow run)
    {
        if (!UiAccess.CanAct(http) || run.Status != "running") return;
        if (http.RequestServices.GetRequiredService<IReads>().TaskDetails(run.TaskId) is { } details) Task(h, http, details.Task, compact: false);
    }
}
