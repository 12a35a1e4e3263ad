namespace TaskLeaseServer.Api.OpenApi;

// Artifacts, the ops view, the key/value store and traces.
public static partial class OperationCatalog
{
    private const string Namespace = "notes";
    private const string Key = "auth/oauth";

    private static readonly string OtlpExample = $$$"""
        {"resourceSpans":[{"scopeSpans":[{"spans":[
          {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"llm.call",
           "startTimeUnixNano":"1767225601000000000","endTimeUnixNano":"1767225601500000000",
           "attributes":[{"key":"nulltickets.run_id","value":{"stringValue":"{{{RunId}}}"}}]}]}]}]}
        """;

    private static void AddData()
    {
        Add("POST /artifacts", new OperationDoc("Artifacts", "Record an artifact",
            "A reference (`uri`) to something a task or run produced; `sha256` and `meta` are kept as given.")
        {
            Errors = Errors((400, InvalidJson),
                (404, "`task_not_found`: no task has `task_id`. `not_found`: no run has `run_id`.")),
            Body = $$$"""
                {"kind":"patch","uri":"file:///tmp/login.diff","task_id":"{{{TaskId}}}","run_id":"{{{RunId}}}",
                 "sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","size_bytes":2048,"meta":{"lines":120}}
                """,
            ResponseExample = $$$"""{"id":"{{{ArtifactId}}}"}""",
        });
        Add("GET /artifacts", new OperationDoc("Artifacts", "List artifacts",
            "Oldest first by `created_at_ms` then `id`, a page at a time; the filters combine.")
        {
            Errors = Errors((400, InvalidLimit + " `invalid_cursor`: `cursor` is not `<created_at_ms>:<id>`.")),
            Query =
            [
                new QueryDoc("task_id", "string", "Only artifacts of this task.", TaskId),
                new QueryDoc("run_id", "string", "Only artifacts of this run."),
                new QueryDoc("limit", "integer", "Page size, 1..1000 (default 100); a value that is not a number means the default.", "10", Minimum: 1, Maximum: 1000),
                new QueryDoc("cursor", "string", TasksCursor.Replace("bbbbbbbb", "eeeeeeee", StringComparison.Ordinal), Pattern: "^-?[0-9]+:.+$"),
            ],
        });
        Add("GET /ops/queue", new OperationDoc("Ops", "Queue depth and trouble per role",
            "For every role any pipeline names: claimable tasks (assignments and per-state limits not considered), the oldest one's " +
            "age, failed runs of tasks now in its stages, runs running longer than `stuck_ms`, leases expiring within `near_expiry_ms`. " +
            "A role with stages that set `max_concurrent` also has `max_concurrent` (the sum of those limits), `active_leases` (live leases in those stages) " +
            "and `limited_stages` (`pipeline_id`, `stage`, `max_concurrent`, `active_leases` per limited stage).")
        {
            Query =
            [
                new QueryDoc("near_expiry_ms", "integer", "Window for `near_expiry_leases` (default 60000); not a number means the default.", "60000"),
                new QueryDoc("stuck_ms", "integer", "Age at which a running run counts as stuck (default 300000); not a number means the default.", "300000"),
            ],
        });

        var entry = Path(("namespace", Namespace), ("key", Key));
        Add("PUT /store/{namespace}/{key}", new OperationDoc("Store", "Write an entry",
            "Creates or replaces the entry; `created_at_ms` is kept on replace. `value` may be any JSON, `null` included. Percent-encode " +
            "a `/` in the key as `%2F`.")
        {
            Errors = Errors((400, InvalidJson + " `reserved_namespace`: the namespace is `search`. `invalid_request`: the namespace or key has percent-escapes that are not UTF-8.")),
            Path = entry,
            Body = """{"value":{"status":"release candidate","text":"OAuth endpoints and methods"}}""",
        });
        Add("GET /store/{namespace}/{key}", new OperationDoc("Store", "Read an entry", "One entry with its value as stored.")
        {
            Errors = Errors((404, "`not_found`: no such key in this namespace.")),
            Path = entry,
        });
        Add("DELETE /store/{namespace}/{key}", new OperationDoc("Store", "Delete an entry", "204 whether or not the key existed.") { Path = entry });
        Add("GET /store/{namespace}", new OperationDoc("Store", "List a namespace",
            "Every entry of the namespace by key; `[]` for an unknown one. Not paginated.")
        { Path = Path(("namespace", Namespace)) });
        Add("DELETE /store/{namespace}", new OperationDoc("Store", "Delete a namespace", "Deletes every entry of it; 204 always.")
        { Path = Path(("namespace", Namespace)) });
        Add("GET /store/search", new OperationDoc("Store", "Full-text search",
            "Entries containing every word of `q` (in the namespace, the key or the value's JSON text, property names included), best " +
            "match first. Words are matched literally: no search operators. `filter_path` with `filter_value` keeps entries whose JSON " +
            "value at that path is that string.")
        {
            Errors = Errors((400, "`missing_param`: no `q`. `invalid_query`: `q` has no word, or `filter_path` is not a JSON path like `$.status`. " + InvalidLimit)),
            Query =
            [
                new QueryDoc("q", "string", "The words to find, all of them.", "oauth", Required: true),
                new QueryDoc("namespace", "string", "Only this namespace.", Namespace),
                new QueryDoc("limit", "integer", "At most this many, 1..1000 (default 10); not a number means the default.", "10", Minimum: 1, Maximum: 1000),
                new QueryDoc("filter_path", "string", "A JSON path into the value, e.g. `$.status`.", "$.status"),
                new QueryDoc("filter_value", "string", "The string the value at `filter_path` must equal.", "release candidate"),
            ],
        });

        foreach (var path in (string[])["/v1/traces", "/otlp/v1/traces"])
        {
            Add("POST " + path, new OperationDoc("Traces", "Ingest OTLP/HTTP traces",
                "An OTLP `ExportTraceServiceRequest`: `application/json` is parsed, `application/x-protobuf` (also the default without " +
                "a Content-Type) is decoded, anything else is kept as a blob; `Content-Encoding: gzip` is honoured. Spans carrying a " +
                "`nulltickets.run_id` or `nulltickets.task_id` attribute are linked to that run or task. Bodies up to the OTLP limit.")
            {
                Errors = Errors((400, "`invalid_json`: an `application/json` body that is not an OTLP JSON request."),
                    (413, "`payload_too_large`: the body is over the limit.")),
                Body = OtlpExample,
            });
        }
        Add("GET /spans", new OperationDoc("Traces", "Read ingested spans back",
            "Spans by run, task and/or trace, in ingest order, a page at a time. An extension: the reference kept traces write-only.")
        {
            Errors = Errors((400, InvalidLimit + " `invalid_cursor`: `cursor` is not a span id.")),
            Query =
            [
                new QueryDoc("run_id", "string", "Only spans linked to this run.", RunId),
                new QueryDoc("task_id", "string", "Only spans linked to this task."),
                new QueryDoc("trace_id", "string", "Only spans of this trace (hex)."),
                new QueryDoc("limit", "integer", "Page size, 1..1000 (default 100); a value that is not a number means the default.", "100", Minimum: 1, Maximum: 1000),
                new QueryDoc("cursor", "string", "Where the previous page ended: its `next_cursor`, a span id in decimal.", Pattern: "^-?[0-9]+$"),
            ],
        });
    }
}
