namespace TaskLeaseServer.Api.OpenApi;

// Run history (EXTENSIONS §5) and the event streams (§6).
public static partial class OperationCatalog
{
    private const string StreamFormat =
        "Server-Sent Events: each event is `id: <event id>`, `event: <kind>`, `data: <the Event JSON, as GET /runs/{id}/events lists it>` " +
        "and a blank line; a `: keepalive` comment line every 15 s while idle. It first replays the events after `Last-Event-ID` " +
        "(the header a reconnecting EventSource sends) or `?after=<id>` (the header wins; default 0: from the beginning), then " +
        "streams new ones as they commit. Reconnecting with the last id seen gets every later event exactly once, in id order, " +
        "also while many writers append at once.";
    private const string BadAfter = "`invalid_request`: `Last-Event-ID` or `after` is not a non-negative integer.";

    private static readonly QueryDoc AfterQuery =
        new("after", "integer", "Replay the events after this id (default 0). The `Last-Event-ID` header, if sent, wins.", Minimum: 0);

    private static void AddHistoryAndStreams()
    {
        Add("GET /runs/{id}", new OperationDoc("Runs", "One run, with its outcome and live lease",
            "The run as claim shows it, plus `usage` (the JSON its transition or fail reported, `{}` until then), `error` (fail's " +
            "text), `failure_kind` (fail's, or `lease_expired` when the sweeper reaped the lease), and while the lease exists " +
            "`lease_id`, `lease_expires_at_ms` and `last_heartbeat_ms` (null once it ended or was reaped).")
        {
            Errors = Errors((404, "`not_found`: no run has this id.")),
            Path = Path(("id", RunId)),
        });
        Add("GET /tasks/{id}/runs", new OperationDoc("Tasks", "A task's runs, by attempt",
            "Every attempt at the task, first attempt first, with the fields of GET /runs/{id}. `next_cursor` is the last attempt number of the page.")
        {
            Errors = Errors((400, InvalidLimit + " `invalid_cursor`: `cursor` is not an attempt number."), (404, UnknownTask)),
            Path = Path(("id", TaskId)),
            Query =
            [
                new QueryDoc("limit", "integer", "Page size, 1..1000 (default 100).", "100", Minimum: 1, Maximum: 1000),
                new QueryDoc("cursor", "string", "Where the previous page ended: its `next_cursor` (an attempt number).", Pattern: "^-?[0-9]+$"),
            ],
        });
        Add("GET /tasks/{id}/events", new OperationDoc("Tasks", "Every event of every run of a task",
            "In id order, a page at a time. A page holds only settled ids (none while a lower id may still commit), so paging " +
            "by `next_cursor` misses nothing.")
        {
            Errors = Errors((400, InvalidLimit + " `invalid_cursor`: `cursor` is not an event id."), (404, UnknownTask)),
            Path = Path(("id", TaskId)),
            Query =
            [
                new QueryDoc("limit", "integer", "Page size, 1..1000 (default 100).", "100", Minimum: 1, Maximum: 1000),
                new QueryDoc("cursor", "string", "Where the previous page ended: its `next_cursor`, an event id.", Pattern: "^-?[0-9]+$"),
            ],
        });
        Add("GET /runs/{id}/events/stream", new OperationDoc("Streams", "A run's events, live",
            StreamFormat + " With an API token configured, send the API token or this run's lease token.")
        {
            Auth = Auth.ApiOrLeaseToken,
            Errors = Errors((400, BadAfter), (401, "`unauthorized`: neither the API token nor this run's lease token was sent."),
                (404, "`not_found`: no run has this id.")),
            Path = Path(("id", RunId)),
            Query = [AfterQuery],
        });
        Add("GET /tasks/{id}/events/stream", new OperationDoc("Streams", "A task's events, live", "Every event of every run of the task. " + StreamFormat)
        {
            Errors = Errors((400, BadAfter), (404, UnknownTask)),
            Path = Path(("id", TaskId)),
            Query = [AfterQuery],
        });
        Add("GET /events/stream", new OperationDoc("Streams", "Every event of the server, live",
            "For dashboards and orchestrators; each filter narrows: `pipeline_id` (the task's pipeline), `role` (the agent role of " +
            "the event's run), `kinds` (comma-separated event kinds). " + StreamFormat)
        {
            Errors = Errors((400, BadAfter)),
            Query =
            [
                AfterQuery,
                new QueryDoc("pipeline_id", "string", "Only events of this pipeline's tasks."),
                new QueryDoc("role", "string", "Only events of runs by agents of this role.", "coder"),
                new QueryDoc("kinds", "string", "Only these event kinds, comma-separated, e.g. `transition,dead_letter`."),
            ],
        });
    }
}
