namespace TaskLeaseServer.Api.OpenApi;

// Claiming work, keeping leases, and the runs that hold them.
public static partial class OperationCatalog
{
    private const string NoLiveLease = "`not_found`: no live lease here (it was given back, its run ended, or the sweeper reaped it).";

    private static void AddLeasesAndRuns()
    {
        Add("POST /leases/claim", new OperationDoc("Leases", "Claim the best eligible task for a role",
            "Picks the highest-priority, oldest task whose stage this role works, that is not leased, not waiting for a retry delay " +
            "or a dependency, not dead-lettered and not assigned to another agent, and starts a run on it. The `lease_token` is shown " +
            "only here: send it as `Authorization: Bearer <lease_token>` on the lease's heartbeat and on the run's events, transition " +
            "and fail. `lease_ttl_ms` defaults to 300000 and is clamped to 1 s .. 24 h. `concurrency.per_state` caps how many tasks " +
            "of a stage name may be leased at once. 204 with an empty body: no work now. `wait_ms` (0..30000, default 0) makes it a " +
            "long poll: with no work now, the request waits until a task becomes claimable for this agent and role (then 200 as " +
            "usual) or `wait_ms` passes (204); waiters of a role are served first come, first served, one per new task. A client " +
            "that disconnects while waiting is never granted a lease; graceful shutdown answers every waiter 204 at once.")
        {
            Errors = Errors((400, InvalidJson + " `invalid_request`: `wait_ms` is outside 0..30000.")),
            Body = """{"agent_id":"coder-1","agent_role":"coder","lease_ttl_ms":60000,"concurrency":{"per_state":{"todo":5}},"wait_ms":1000}""",
            ResponseExample = $$$"""
                {"task":{"id":"{{{TaskId}}}","pipeline_id":"{{{PipelineId}}}","stage":"todo","title":"Add login",
                  "description":"OAuth sign-in for the web app","priority":10,"metadata":{"ticket":"WEB-42"},"task_version":1,
                  "next_eligible_at_ms":0,"retry_delay_ms":0,"max_attempts":3,"dead_letter_stage":"dead","dead_letter_reason":null,
                  "created_at_ms":1767225600000,"updated_at_ms":1767225600000},
                 "run":{"id":"{{{RunId}}}","task_id":"{{{TaskId}}}","attempt":1,"status":"running","agent_id":"coder-1",
                  "agent_role":"coder","started_at_ms":1767225601000,"ended_at_ms":null},
                 "lease_id":"{{{LeaseId}}}","lease_token":"{{{LeaseTokenExample}}}","expires_at_ms":1767225661000}
                """,
        });
        Add("POST /leases/{id}/heartbeat", new OperationDoc("Leases", "Keep a lease alive",
            "Extends the lease and answers its new `expires_at_ms`. The body may be left out; an optional `lease_ttl_ms` names " +
            "the extension wanted. Never replayed from an `Idempotency-Key`: every heartbeat extends.")
        {
            Auth = Auth.LeaseToken,
            Errors = Errors((401, LeaseUnauthorized), (404, "`not_found`: no lease has this id (given back, ended or reaped)."), (410, LeaseExpired)),
            Path = Path(("id", LeaseId)),
            Body = """{"lease_ttl_ms":60000}""",
            BodyOptional = true,
        });
        Add("POST /leases/{id}/release", new OperationDoc("Leases", "Give a lease back",
            "Ends the run as `stale` without counting a failed attempt, so the task is claimable again at once. An extension: " +
            "the reference server had no way to give work back.")
        {
            Auth = Auth.LeaseToken,
            Errors = Errors((401, LeaseUnauthorized), (404, "`not_found`: no lease has this id."), (410, LeaseExpired)),
            Path = Path(("id", LeaseId)),
        });

        Add("POST /runs/{id}/events", new OperationDoc("Runs", "Append an event to a run",
            "Any `kind` and any JSON `data` (default `{}`); the server itself writes `transition`, `retry_scheduled`, `dead_letter`, " +
            "`lease_expired` and `lease_released`. Answers the new event id; ids only grow.")
        {
            Auth = Auth.LeaseToken,
            Errors = Errors((400, InvalidJson + " (checked after the lease)"), (401, LeaseUnauthorized), (404, NoLiveLease), (410, LeaseExpired)),
            Path = Path(("id", RunId)),
            Body = """{"kind":"progress","data":{"pct":50,"note":"tests written"}}""",
        });
        Add("GET /runs/{id}/events", new OperationDoc("Runs", "List a run's events",
            "Oldest first, a page at a time. Needs no lease: with an API token configured, send the API token or this run's lease " +
            "token. An unknown run has no events.")
        {
            Auth = Auth.ApiOrLeaseToken,
            Errors = Errors(
                (400, InvalidLimit + " `invalid_cursor`: `cursor` is not an event id."),
                (401, "`unauthorized`: the server runs with an API token and neither it nor this run's lease token was sent.")),
            Path = Path(("id", RunId)),
            Query =
            [
                new QueryDoc("limit", "integer", "Page size, 1..1000 (default 100); a value that is not a number means the default.", "100", Minimum: 1, Maximum: 1000),
                new QueryDoc("cursor", "string", "Where the previous page ended: its `next_cursor`, an event id in decimal (e.g. `41`).", Pattern: "^-?[0-9]+$"),
            ],
        });
        Add("POST /runs/{id}/transition", new OperationDoc("Runs", "Move the task along its pipeline and finish the run",
            "Follows the first transition from the task's stage with this `trigger`: the task moves to its `to` stage, `task_version` " +
            "grows by 1, the run completes and the lease ends. `expected_stage` and `expected_task_version` guard against acting on " +
            "a stale view. `instructions` (else the definition's) is recorded on the `transition` event.")
        {
            Auth = Auth.LeaseToken,
            Errors = Errors(
                (400, InvalidJson + " `invalid_transition`: no transition from the current stage has this trigger (the lease stays usable)."),
                (401, LeaseUnauthorized), (404, NoLiveLease),
                (409, "`expected_stage_mismatch` or `task_version_mismatch`: the task is not where you expected; nothing changed."),
                (410, LeaseExpired)),
            Path = Path(("id", RunId)),
            Body = """
                {"trigger":"submit","instructions":"ready for review","usage":{"input_tokens":1200,"output_tokens":340},
                 "expected_stage":"todo","expected_task_version":1}
                """,
        });
        Add("POST /runs/{id}/fail", new OperationDoc("Runs", "Fail the run",
            "Ends the run as `failed` and the lease with it. Under the task's retry policy the task is claimable again after " +
            "`retry_delay_ms` (event `retry_scheduled`), or, once failed runs reach `max_attempts`, is dead-lettered (event " +
            "`dead_letter`, moved to `dead_letter_stage` when that is a stage of the pipeline). `retryable: false` (default true) " +
            "dead-letters at once whatever attempts remain, with `dead_letter_reason` `non_retryable`. `failure_kind` (free text, " +
            "e.g. `timeout`, `bad_input`) is kept on the run (GET /runs/{id}). The answer is the same either way.")
        {
            Auth = Auth.LeaseToken,
            Errors = Errors((400, InvalidJson), (401, LeaseUnauthorized), (404, NoLiveLease), (410, LeaseExpired)),
            Path = Path(("id", RunId)),
            Body = """{"error":"tests failed: 3 of 120","usage":{"input_tokens":900},"retryable":true,"failure_kind":"tests_failed"}""",
        });
    }
}
