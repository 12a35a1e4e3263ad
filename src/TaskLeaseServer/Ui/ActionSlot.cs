using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Ui;

/// <summary>
/// Where the pages put their action buttons. Empty here: the buttons (requeue, cancel, pause,
/// resume, drain, bulk with its dry run), their sign-in scopes and CSRF fields come from the
/// action renderer (Ui/Actions.cs), wired in at these call sites only, so the pages need no change.
/// </summary>
public static class ActionSlot
{
    /// <summary>A task's buttons: in a row of the Attention page (compact) or on the task's own page.</summary>
    public static void Task(Html h, HttpContext http, TaskRow task, bool compact) { }

    /// <summary>A run's buttons (its lease: requeue with force, cancel).</summary>
    public static void Run(Html h, HttpContext http, RunDetailsRow run) { }

    /// <summary>
    /// The Tasks page's bulk form (id "bulk"): the rows' checkboxes name it with form="bulk", and the
    /// hidden filter fields it holds say what "all matching" means; this slot adds the action buttons.
    /// </summary>
    public static void Bulk(Html h, HttpContext http, long matching, bool matchingIsExact) { }
}
