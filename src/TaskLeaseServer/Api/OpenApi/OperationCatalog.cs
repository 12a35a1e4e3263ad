namespace TaskLeaseServer.Api.OpenApi;

/// <summary>
/// Every operation's summary, errors and examples, keyed by "METHOD /route" as the document names
/// it. Split by resource into the OperationCatalog.*.cs files.
/// </summary>
public static partial class OperationCatalog
{
    /// <summary>The document's groups, in the order a new user meets them.</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> Tags =
    [
        ("Service", "Health and this document. Open: never need a token."),
        ("Pipelines", "State machines whose stages name the agent role that works them. Immutable; names are unique."),
        ("Tasks", "Work items that move through a pipeline's stages."),
        ("Dependencies", "A task waits until each task it depends on reaches a terminal stage."),
        ("Assignments", "Reserve a task for one agent."),
        ("Leases", "Claim the best eligible task for a role, keep the lease alive, give it back."),
        ("Runs", "One attempt at a task: its events, and how it ends (transition or fail). Take the lease token."),
        ("Streams", "Events as they commit, as Server-Sent Events: replayed after your last id, then live, each exactly once in id order."),
        ("Artifacts", "What a run produced, by reference."),
        ("Operators", "Act on tasks: cancel, requeue, pause, resume, edit, delete, one at a time or in bulk, and ask why a task is not claimed."),
        ("Ops", "The operator's view of the queue, role pause and drain, and the server's own events."),
        ("Keys", "Scoped API keys beside the bootstrap token: `read` < `agent` < `operator` < `admin`, each including the ones before it."),
        ("Store", "A namespaced key/value store with full-text search."),
        ("Traces", "OTLP/HTTP trace ingest, and the spans read back."),
    ];

    // Example ids: each first appears in a response example and then in the requests that use it.
    public const string PipelineId = "aaaaaaaa-0000-4000-8000-000000000001";
    public const string TaskId = "bbbbbbbb-0000-4000-8000-000000000001";
    public const string BulkTaskId1 = "bbbbbbbb-0000-4000-8000-000000000002";
    public const string BulkTaskId2 = "bbbbbbbb-0000-4000-8000-000000000003";
    public const string RunId = "cccccccc-0000-4000-8000-000000000001";
    public const string LeaseId = "dddddddd-0000-4000-8000-000000000001";
    public const string ArtifactId = "eeeeeeee-0000-4000-8000-000000000001";
    public const string LeaseTokenExample = "f00df00df00df00df00df00df00df00df00df00df00df00df00df00df00df00d";

    private const string InvalidJson =
        "`invalid_json`: the body is not exactly one JSON object, or a field is missing or has the wrong type; the message names the field.";
    private const string UnknownTask = "`task_not_found`: no task has the id in the path.";
    private const string LeaseUnauthorized =
        "`unauthorized`: no `Authorization: Bearer <lease_token>`, a token that is not 64 hex characters, or the token of another lease.";
    private const string LeaseExpired = "`expired`: the lease's expiry has passed and the sweeper has not reaped it yet; the work is lost, claim again.";
    private const string InvalidLimit = "`invalid_limit`: `limit` is outside 1..1000.";

    /// <summary>The 401 of every operation that takes the API token; added where a route names none.</summary>
    public const string ApiTokenUnauthorized =
        "`unauthorized`: the server runs with an API token and `Authorization: Bearer <api token or key>` is missing, matches neither the token nor a live key, or names a key that expired or was revoked.";

    private static readonly Dictionary<string, OperationDoc> All = new(StringComparer.Ordinal);

    static OperationCatalog()
    {
        AddService();
        AddWork();
        AddLeasesAndRuns();
        AddHistoryAndStreams();
        AddData();
        AddOperators();
        AddTaskActions();
    }

    /// <summary>The description of "METHOD /route", or null for a route nobody described (a test fails on it).</summary>
    public static OperationDoc? Find(string method, string route) => All.GetValueOrDefault(method.ToUpperInvariant() + " " + route);

    public static IEnumerable<string> Keys => All.Keys;

    private static void Add(string key, OperationDoc doc) => All.Add(key, doc);

    private static Dictionary<int, string> Errors(params (int Status, string Text)[] errors) =>
        errors.ToDictionary(e => e.Status, e => e.Text);

    private static Dictionary<string, string> Path(params (string Name, string Example)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Example);

    private static void AddService()
    {
        Add("GET /", new OperationDoc("Service", "What this server is, and where to read more",
            "Name, version, a one-line description and links to `/health`, `/openapi.json` and `/swagger`. Open in token mode, like `/health`.")
        { Auth = Auth.Open });
        Add("GET /health", new OperationDoc("Service", "Health and queue counts",
            "Always `status: ok` while the process serves; `tasks_by_stage` counts every task by stage name, `active_leases` the unexpired leases.")
        { Auth = Auth.Open });
        foreach (var path in (string[])["/openapi.json", "/.well-known/openapi.json"])
        {
            Add("GET " + path, new OperationDoc("Service", "This OpenAPI 3.1 document",
                "The same document on both paths. `servers` names the address this request was sent to.") { Auth = Auth.Open });
        }
    }
}
