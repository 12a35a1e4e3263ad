namespace TaskLeaseServer.Api.OpenApi;

// Pipelines, tasks, dependencies and assignments.
public static partial class OperationCatalog
{
    private const string TasksCursor =
        "Where the previous page ended: its `next_cursor`, `<created_at_ms>:<id>` (e.g. `1767225600000:bbbbbbbb-0000-4000-8000-000000000001`).";

    private static void AddWork()
    {
        Add("POST /pipelines", new OperationDoc("Pipelines", "Create a pipeline",
            "A definition names its `initial` stage, its `states` (each may name the `agent_role` that works it, or be `terminal`) " +
            "and its `transitions` (`from`, `to`, `trigger`). Every non-terminal state needs a way out and at least one state must be terminal. " +
            "A state with an `agent_role` may set `max_concurrent` (an integer ≥ 1): at most that many of its tasks hold a live lease at once, on every node.")
        {
            Errors = Errors(
                (400, InvalidJson + " `validation_failed`: the definition is not a valid state machine (unknown `initial`, a transition to an unknown state, no terminal state, a dead end, a `max_concurrent` that is not an integer ≥ 1 or is on a state without `agent_role`)."),
                (409, "`duplicate_name`: a pipeline with this name exists; names are unique.")),
            Body = $$$"""
                {"name":"example-pipeline","definition":{"initial":"todo",
                 "states":{"todo":{"agent_role":"coder"},"review":{"agent_role":"reviewer"},"done":{"terminal":true},"dead":{"terminal":true}},
                 "transitions":[{"from":"todo","to":"review","trigger":"submit"},
                                {"from":"review","to":"done","trigger":"approve"},
                                {"from":"review","to":"todo","trigger":"reject","instructions":"address the review"}]}}
                """,
            ResponseExample = $$$"""{"id":"{{{PipelineId}}}"}""",
        });
        Add("GET /pipelines", new OperationDoc("Pipelines", "List pipelines", "Every pipeline, newest first; not paginated."));
        Add("GET /pipelines/{id}", new OperationDoc("Pipelines", "Read a pipeline", "The definition exactly as created, unknown keys included.")
        {
            Errors = Errors((404, "`not_found`: no pipeline has this id.")),
            Path = Path(("id", PipelineId)),
        });

        Add("POST /tasks", new OperationDoc("Tasks", "Create a task",
            "The task starts in its pipeline's `initial` stage at `task_version` 1. Higher `priority` is claimed first. " +
            "`retry_policy` decides what a failed run does: retry after `retry_delay_ms`, or after `max_attempts` failures move to " +
            "`dead_letter_stage` and never be claimed again. `dependencies` and `assigned_agent_id` are applied in the same transaction.")
        {
            Errors = Errors(
                (400, InvalidJson),
                (404, "`pipeline_not_found`: no pipeline has `pipeline_id`. `task_not_found`: a `dependencies` id names no task. Nothing is created."),
                (409, "`duplicate_dependency`: `dependencies` lists one id twice. Nothing is created.")),
            Body = $$$"""
                {"pipeline_id":"{{{PipelineId}}}","title":"Add login","description":"OAuth sign-in for the web app","priority":10,
                 "metadata":{"ticket":"WEB-42"},"retry_policy":{"max_attempts":3,"retry_delay_ms":0,"dead_letter_stage":"dead"}}
                """,
            ResponseExample = $$$"""{"id":"{{{TaskId}}}"}""",
        });
        Add("POST /tasks/bulk", new OperationDoc("Tasks", "Create several tasks at once",
            "Each item is a task as for `POST /tasks`; all are created in one transaction, or none. The ids come back in input order.")
        {
            Errors = Errors(
                (400, InvalidJson + " `invalid_request`: `tasks` is empty."),
                (404, "`pipeline_not_found` or `task_not_found` for an item, as for `POST /tasks`. Nothing is created."),
                (409, "`duplicate_dependency` for an item. Nothing is created.")),
            Body = $$$"""
                {"tasks":[{"pipeline_id":"{{{PipelineId}}}","title":"Write the docs","description":"user guide"},
                          {"pipeline_id":"{{{PipelineId}}}","title":"Write the tests","description":"login flow","priority":0}]}
                """,
            ResponseExample = $$$"""{"ids":["{{{BulkTaskId1}}}","{{{BulkTaskId2}}}"]}""",
        });
        Add("GET /tasks", new OperationDoc("Tasks", "List tasks",
            "Every task (dead-lettered, leased and finished ones too), oldest first by `created_at_ms` then `id`, a page at a time: " +
            "pass the answer's `next_cursor` as `cursor` until it is null.")
        {
            Errors = Errors((400, InvalidLimit + " `invalid_cursor`: `cursor` is not `<created_at_ms>:<id>`.")),
            Query =
            [
                new QueryDoc("stage", "string", "Only tasks in this stage."),
                new QueryDoc("pipeline_id", "string", "Only tasks of this pipeline.", PipelineId),
                new QueryDoc("limit", "integer", "Page size, 1..1000 (default 50); a value that is not a number means the default.", "2", Minimum: 1, Maximum: 1000),
                new QueryDoc("cursor", "string", TasksCursor, Pattern: "^-?[0-9]+:.+$"),
            ],
        });
        Add("GET /tasks/{id}", new OperationDoc("Tasks", "Read a task with its runs, dependencies, assignments and next moves",
            "Every task field, then `latest_run` (omitted, not null, for a task never claimed), `dependencies`, `assignments` " +
            "(inactive history included) and `available_transitions` from the current stage.")
        {
            Errors = Errors((404, "`not_found`: no task has this id.")),
            Path = Path(("id", TaskId)),
        });
        Add("GET /tasks/{id}/run-state", new OperationDoc("Tasks", "Kept for compatibility: always 404",
            "The reference server read a run id that nothing ever wrote, so this answers 404 for every task. Read `latest_run` from `GET /tasks/{id}`.")
        {
            Errors = Errors((404, "`not_found`: always.")),
            Path = Path(("id", TaskId)),
        });

        Add("POST /tasks/{id}/dependencies", new OperationDoc("Dependencies", "Make a task wait for another",
            "The task in the path is not claimed until `depends_on_task_id` is in a terminal stage of its own pipeline. Edges cannot be removed.")
        {
            Errors = Errors(
                (400, InvalidJson + " `invalid_dependency`: the task would depend on itself, or the edge would close a cycle."),
                (404, UnknownTask + " `dependency_task_not_found`: no task has `depends_on_task_id`."),
                (409, "`duplicate_dependency`: this edge exists.")),
            Path = Path(("id", BulkTaskId2)),
            Body = $$$"""{"depends_on_task_id":"{{{BulkTaskId1}}}"}""",
        });
        Add("GET /tasks/{id}/dependencies", new OperationDoc("Dependencies", "List what a task waits for",
            "Oldest edge first; `resolved` is true once the upstream task is in a terminal stage. An unknown task has none: `[]`.")
        { Path = Path(("id", BulkTaskId2)) });

        Add("POST /tasks/{id}/assignments", new OperationDoc("Assignments", "Assign a task to an agent",
            "Only that agent can claim the task while the assignment is active; an earlier assignment of the task becomes inactive.")
        {
            Errors = Errors((400, InvalidJson), (404, UnknownTask)),
            Path = Path(("id", BulkTaskId1)),
            Body = """{"agent_id":"coder-2","assigned_by":"lead"}""",
        });
        Add("GET /tasks/{id}/assignments", new OperationDoc("Assignments", "List a task's assignments",
            "Oldest first, inactive history included. An unknown task has none: `[]`.")
        { Path = Path(("id", BulkTaskId1)) });
        Add("DELETE /tasks/{id}/assignments/{agent_id}", new OperationDoc("Assignments", "End an assignment",
            "The row stays as inactive history; any agent of the role can claim the task again.")
        {
            Errors = Errors((404, "`not_found`: the task has no active assignment for this agent (also for an unknown task).")),
            Path = Path(("id", BulkTaskId1), ("agent_id", "coder-2")),
        });
    }
}
