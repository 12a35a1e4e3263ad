namespace TaskLeaseServer.Api.OpenApi;

// Scoped API keys and role controls (EXTENSIONS §9, §13).
public static partial class OperationCatalog
{
    public const string KeyId = "99999999-0000-4000-8000-000000000001";
    private const string Role = "coder";
    private const string Forbidden = "`forbidden`: the API key lacks the scope this route needs.";

    private static void AddOperators()
    {
        Add("POST /ops/keys", new OperationDoc("Keys", "Create an API key",
            "`scopes` is a non-empty list of `read`, `agent`, `operator`, `admin`; the key can do what its widest scope allows. " +
            "The answer is the only time `key` is shown: only its SHA-256 is stored. `expires_at_ms` (optional) must lie in the future. " +
            "`name` is unique and is the `actor` of the events the key's actions write. Takes no `Idempotency-Key` (a recorded answer would keep the key).")
        {
            Errors = Errors(
                (400, InvalidJson + " `invalid_request`: an unknown scope, an empty `scopes`, an empty or reserved (`token`, `anonymous`) `name`, or an `expires_at_ms` not in the future."),
                (403, "`forbidden`: the key lacks the `admin` scope."),
                (409, "`auth_not_configured`: the server runs without `--token`, so every route is open and keys would lock nothing. `duplicate_name`: a key has this name.")),
            Body = """{"name":"ci-agents","scopes":["agent"]}""",
            ResponseExample = $$$"""
                {"id":"{{{KeyId}}}","name":"ci-agents","scopes":["agent"],"key":"tlk_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","created_at_ms":1767225600000,"expires_at_ms":null}
                """,
        });
        Add("GET /ops/keys", new OperationDoc("Keys", "List API keys",
            "Every key, oldest first, with `last_used_at_ms` (exact to within a minute; null for a key never used). Never shows a key or its hash.")
        {
            Errors = Errors((400, InvalidLimit + " `invalid_cursor`: `cursor` is not `<created_at_ms>:<id>`."), (403, "`forbidden`: the key lacks the `admin` scope.")),
            Query =
            [
                new QueryDoc("limit", "integer", "Page size, 1..1000 (default 100).", Minimum: 1, Maximum: 1000),
                new QueryDoc("cursor", "string", "The previous page's `next_cursor`.", Pattern: "^-?[0-9]+:.+$"),
            ],
        });
        Add("DELETE /ops/keys/{id}", new OperationDoc("Keys", "Revoke an API key",
            "Deletes the key: every node refuses it (401) from its next request on.")
        {
            Errors = Errors((403, "`forbidden`: the key lacks the `admin` scope."), (404, "`not_found`: no key has this id.")),
            Path = Path(("id", KeyId)),
        });

        Add("GET /ops/roles", new OperationDoc("Ops", "Every role, paused or not, with its live figures",
            "One item per role any pipeline names (and per role with a stored pause): `paused`, `pause_reason`, `draining` (a drain paused it " +
            "and it still has live leases), `claimable_count` (ready tasks, counted as `GET /ops/queue` does, paused or not), " +
            "`active_leases` (unexpired leases on tasks in its stages) and `waiting_claims` (long-poll claims waiting for it)."));
        Add("GET /ops/events", new OperationDoc("Ops", "The server's own events (role_paused, role_resumed)",
            "Events that belong to no task, oldest first by id; `data` holds `actor`, and `reason` and `drain` when given.")
        {
            Errors = Errors((400, InvalidLimit + " `invalid_cursor`: `cursor` is not an event id.")),
            Query =
            [
                new QueryDoc("limit", "integer", "Page size, 1..1000 (default 100).", Minimum: 1, Maximum: 1000),
                new QueryDoc("cursor", "string", "The previous page's `next_cursor`: the last event id seen.", Pattern: "^[0-9]+$"),
            ],
        });
        var role = Path(("role", Role));
        Add("POST /ops/roles/{role}/pause", new OperationDoc("Ops", "Pause a role",
            "From the commit on, claims for the role answer 204 on every node; leases already held run on (heartbeat, transition, fail work). " +
            "Stored: survives restarts. Pausing a paused role changes nothing. Writes `role_paused` with the actor.")
        {
            Errors = Errors((400, InvalidJson), (403, Forbidden), (404, "`not_found`: no pipeline names the role.")),
            Path = role,
            Body = """{"reason":"incident 42: bad model output"}""",
            BodyOptional = true,
        });
        Add("POST /ops/roles/{role}/drain", new OperationDoc("Ops", "Pause a role and wait for its leases to end",
            "Pauses as `pause` does, then answers once the role holds no live lease or after `timeout_ms` (default 30000, at most 300000): " +
            "`remaining_leases` is the count at the answer, `timed_out` whether the time ran out first. Holds no database connection while it " +
            "waits (it re-counts every 100 ms). Takes no `Idempotency-Key`: a retry pauses again (no change) and waits again.")
        {
            Errors = Errors((400, InvalidJson + " `invalid_request`: `timeout_ms` outside 0..300000."), (403, Forbidden), (404, "`not_found`: no pipeline names the role.")),
            Path = role,
            Body = """{"timeout_ms":1000}""",
            BodyOptional = true,
        });
        Add("POST /ops/roles/{role}/resume", new OperationDoc("Ops", "Resume a role",
            "Claims for the role work again from the commit on, and waiting long-poll claims are woken at once. Writes `role_resumed`.")
        {
            Errors = Errors((403, Forbidden), (404, "`not_found`: no pipeline names the role.")),
            Path = role,
        });
        Add("POST /ops/pause", new OperationDoc("Ops", "Pause every role",
            "`pause` for every role any pipeline names now (a pipeline created later starts running). `roles` lists them.")
        {
            Errors = Errors((400, InvalidJson), (403, Forbidden)),
            Body = """{"reason":"incident stop"}""",
            BodyOptional = true,
        });
        Add("POST /ops/drain", new OperationDoc("Ops", "Pause every role and wait for every lease to end",
            "`drain` for every role at once (the pre-deploy drain): `remaining_leases` counts the live leases of the whole server.")
        {
            Errors = Errors((400, InvalidJson + " `invalid_request`: `timeout_ms` outside 0..300000."), (403, Forbidden)),
            Body = """{"timeout_ms":1000}""",
            BodyOptional = true,
        });
        Add("POST /ops/resume", new OperationDoc("Ops", "Resume every role",
            "`resume` for every role with a stored pause or named by a pipeline.")
        {
            Errors = Errors((403, Forbidden)),
        });
    }
}
