namespace TaskLeaseServer.Api.OpenApi;

// The operator actions on tasks (EXTENSIONS §7, §8, §10).
public static partial class OperationCatalog
{
    private const string NoSuchTask = "`not_found`: no task has the id in the path.";
    private const string InvalidRequest = "`invalid_request`: a field of the wrong type (the message names it).";
    private const string AnswersDetails = " Answers the task as `GET /tasks/{id}` shows it, after the action.";

    private static void AddTaskActions()
    {
        Add("GET /tasks/{id}/inspect", new OperationDoc("Operators", "Why is this task not being claimed?",
            "`claimable` says whether a claim by an agent of the stage's role (its assignee, if it has one) would win the task now, " +
            "ignoring priority; `reasons` lists every rule that stops it, each with its evidence (`no_role`, `done`, `dead_lettered`, " +
            "`canceled`, `paused`, `role_paused`, `waiting`, `leased`, `blocked`, `assigned`, `stage_full`); `next_action` is one sentence for a human.")
        {
            Errors = Errors((404, NoSuchTask)),
            Path = Path(("id", TaskId)),
        });
        Add("PATCH /tasks/{id}", new OperationDoc("Operators", "Edit a task",
            "Any of `title`, `description`, `priority`, `metadata`, `retry_policy` (its fields sent replace the task's) and `not_before_ms`. " +
            "Changes `updated_at_ms`, never `task_version`." + AnswersDetails)
        {
            Errors = Errors(
                (400, "`invalid_request`: an unknown field, a wrong type, a null, or nothing to change (the message names the field)."),
                (404, NoSuchTask),
                (409, "`task_version_mismatch`: `expected_task_version` is not the task's version; re-read it.")),
            Path = Path(("id", TaskId)),
            Body = """{"priority":20,"metadata":{"ticket":"WEB-42","owner":"ana"},"expected_task_version":1}""",
        });
        Add("POST /tasks/{id}/pause", new OperationDoc("Operators", "Pause a task",
            "A paused task is not claimed in any stage until it is resumed. A live lease runs on (heartbeat, transition and fail work) " +
            "unless `revoke_lease` is true: then its holder's next call gets `410 lease_revoked`." + AnswersDetails)
        {
            Errors = Errors((400, InvalidRequest), (404, NoSuchTask)),
            Path = Path(("id", TaskId)),
            Body = """{"reason":"waiting for the API freeze to end","revoke_lease":false}""",
            BodyOptional = true,
        });
        Add("POST /tasks/{id}/resume", new OperationDoc("Operators", "Resume a paused task",
            "The task is claimable again (if nothing else stops it). Resuming a task that is not paused changes nothing." + AnswersDetails)
        {
            Errors = Errors((404, NoSuchTask)),
            Path = Path(("id", TaskId)),
        });
        Add("POST /tasks/{id}/cancel", new OperationDoc("Operators", "Cancel a task",
            "The task is never claimable again (until requeued). A live lease is revoked at once: its run becomes `canceled` and its " +
            "holder's next heartbeat, event, transition or fail gets `410 lease_revoked`. With `stage` (a terminal stage of its " +
            "pipeline) the task also moves there, so its dependents resolve. Canceling a canceled task changes nothing." + AnswersDetails)
        {
            Errors = Errors((400, InvalidRequest + " `invalid_stage`: `stage` is not a terminal stage of the task's pipeline."), (404, NoSuchTask)),
            Path = Path(("id", TaskId)),
            Body = """{"reason":"duplicate of WEB-41"}""",
            BodyOptional = true,
        });
        Add("POST /tasks/{id}/requeue", new OperationDoc("Operators", "Requeue a task",
            "Back into work now: clears the dead letter, the cancel, the retry delay and `not_before_ms`; optionally moves it to `stage` " +
            "(a stage with an `agent_role`; `task_version` +1). `reset_attempts` (default true) makes earlier failures stop counting toward " +
            "`max_attempts`, runs kept. A leased task is refused unless `force` is true, which revokes the lease (not counted as a failure)." +
            AnswersDetails)
        {
            Errors = Errors(
                (400, InvalidRequest + " `invalid_stage`: `stage` (or, without it, the task's stage) has no agent role."),
                (404, NoSuchTask),
                (409, "`task_leased`: a live lease holds the task; send `force: true` to take it away.")),
            Path = Path(("id", TaskId)),
            Body = """{"reset_attempts":true}""",
            BodyOptional = true,
        });
        foreach (var (action, what, body) in new[]
        {
            ("pause", "Pause", """{"ids":["{{{BulkTaskId1}}}"],"reason":"incident 7"}"""),
            ("resume", "Resume", """{"ids":["{{{BulkTaskId1}}}"]}"""),
            ("cancel", "Cancel", """{"ids":["{{{BulkTaskId1}}}"],"reason":"superseded"}"""),
            ("requeue", "Requeue", """{"ids":["{{{BulkTaskId1}}}"],"reset_attempts":true}"""),
            ("delete", "Delete", """{"ids":["{{{BulkTaskId2}}}"],"force":true}"""),
        })
        {
            Add("POST /tasks/bulk/" + action, new OperationDoc("Operators", what + " many tasks",
                $"As `{(action == "delete" ? "DELETE /tasks/{id}" : "POST /tasks/{id}/" + action)}` for each task of `ids` (1..1000) or of " +
                "`filter` (`{pipeline_id?, stage?, status?, role?}`, at least one; `status` may list several, comma-separated) with `limit` " +
                "(1..10000, default 1000, oldest first), plus that action's options. Each task changes in its own transaction, whole or not " +
                "at all: `items` says `ok` or the `error` per task, `matched` how many were taken.")
            {
                Errors = Errors(
                    (400, "`invalid_request`: neither or both of `ids` and `filter`, too many ids, an empty or unknown filter field, an " +
                        "unknown status, a `limit` out of range, a wrong type. `invalid_stage`: the filter's stage is not in its pipeline."),
                    (404, "`not_found`: no task matches the filter. `pipeline_not_found`: the filter's pipeline does not exist.")),
                Body = body.Replace("{{{BulkTaskId1}}}", BulkTaskId1).Replace("{{{BulkTaskId2}}}", BulkTaskId2),
            });
        }
        Add("DELETE /tasks/{id}/dependencies/{upstream_id}", new OperationDoc("Operators", "Remove a dependency edge",
            "The task stops waiting for `upstream_id`; if that was its last unfinished upstream it becomes claimable.")
        {
            Errors = Errors((404, "`not_found`: no such task, or it does not depend on `upstream_id`.")),
            Path = Path(("id", BulkTaskId2), ("upstream_id", BulkTaskId1)),
        });
        Add("DELETE /tasks/{id}", new OperationDoc("Operators", "Delete a task",
            "Removes the task with its runs, events, leases, edges, assignments and artifacts. Its dependents stop waiting for it " +
            "(an edge to a deleted task counts as resolved). A leased task is refused unless `force=true`, which revokes the lease first.")
        {
            Errors = Errors(
                (400, "`invalid_request`: `force` is not true or false."),
                (404, NoSuchTask),
                (409, "`task_leased`: a live lease holds the task; send `?force=true`.")),
            Path = Path(("id", TaskId)),
            Query = [new QueryDoc("force", "string", "`true` revokes a live lease first; default false.", "true")],
        });
    }
}
