using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace TaskLeaseServer.Client;

/// <summary>
/// One typed async method per route of the server. Writes are retried with their Idempotency-Key
/// (see <see cref="TaskLeaseClientOptions"/>); an error answer becomes a <see cref="TaskLeaseException"/>
/// subclass; lists are pages or, with the <c>Enumerate</c> methods, every item of every page.
/// The HttpClient's BaseAddress is the server (e.g. http://127.0.0.1:7700).
/// </summary>
public sealed partial class TaskLeaseClient : IDisposable
{
    private readonly Transport _transport;
    private readonly HttpClient? _owned;

    /// <summary>Over the caller's HttpClient, which the caller keeps and disposes.</summary>
    public TaskLeaseClient(HttpClient http, TaskLeaseClientOptions? options = null)
    {
        if (http.BaseAddress is null) throw new ArgumentException("the HttpClient needs a BaseAddress: the server's URL", nameof(http));
        _transport = new Transport(http, options ?? new TaskLeaseClientOptions());
    }

    /// <summary>Over an HttpClient of its own (100 s timeout), closed by <see cref="Dispose"/>.</summary>
    public TaskLeaseClient(Uri server, string? apiKey = null)
        : this(new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(100) }, new TaskLeaseClientOptions { ApiKey = apiKey }) =>
        _owned = _transport.Http;

    /// <summary>Closes the connections of the HttpClient this client made for itself; a caller's HttpClient is left alone.</summary>
    public void Dispose() => _owned?.Dispose();

    private Task<T> Get<T>(string path, CancellationToken ct) => _transport.SendAsync<T>(HttpMethod.Get, path, null, ct);
    private Task<T> Post<T>(string path, object? body, CancellationToken ct) => _transport.SendAsync<T>(HttpMethod.Post, path, body ?? Empty, ct);
    private async Task Send(HttpMethod method, string path, object? body, CancellationToken ct) =>
        await _transport.SendAsync(method, path, body, null, false, ct).ConfigureAwait(false);

    private static readonly object Empty = new Dictionary<string, object>();

    private static string E(string segment) => Uri.EscapeDataString(segment);

    /// <summary>A path with its query; null values are left out.</summary>
    private static string Q(string path, params (string Name, object? Value)[] query)
    {
        var sb = new StringBuilder(path);
        var sep = '?';
        foreach (var (name, value) in query)
        {
            if (value is null) continue;
            var text = value is IFormattable f ? f.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : value.ToString()!;
            sb.Append(sep).Append(name).Append('=').Append(E(text));
            sep = '&';
        }
        return sb.ToString();
    }

    /// <summary>Every item of a cursor-paginated list, fetching the next page when the caller gets there.</summary>
    private async IAsyncEnumerable<T> All<T>(Func<string?, CancellationToken, Task<Page<T>>> page, [EnumeratorCancellation] CancellationToken ct)
    {
        string? cursor = null;
        do
        {
            var p = await page(cursor, ct).ConfigureAwait(false);
            foreach (var item in p.Items) yield return item;
            cursor = p.NextCursor;
        } while (cursor is not null);
    }

    // ---- server ----

    [WireRoute("GET /")]
    public Task<ServerIndex> GetIndexAsync(CancellationToken ct = default) => Get<ServerIndex>("/", ct);

    [WireRoute("GET /health")]
    public Task<Health> GetHealthAsync(CancellationToken ct = default) => Get<Health>("/health", ct);

    [WireRoute("GET /openapi.json")]
    [WireRoute("GET /.well-known/openapi.json")]
    public async Task<JsonDocument> GetOpenApiAsync(CancellationToken ct = default) =>
        JsonDocument.Parse((await _transport.SendAsync(HttpMethod.Get, "/openapi.json", null, null, false, ct).ConfigureAwait(false)).Body);

    [WireRoute("GET /ops/queue")]
    public Task<QueueStats> GetQueueAsync(long? nearExpiryMs = null, long? stuckMs = null, CancellationToken ct = default) =>
        Get<QueueStats>(Q("/ops/queue", ("near_expiry_ms", nearExpiryMs), ("stuck_ms", stuckMs)), ct);

    /// <summary>OTLP/HTTP JSON trace ingest (an ExportTraceServiceRequest body).</summary>
    [WireRoute("POST /v1/traces")]
    [WireRoute("POST /otlp/v1/traces")]
    public Task<OtlpIngest> IngestTracesAsync(JsonElement exportTraceServiceRequest, CancellationToken ct = default) =>
        Post<OtlpIngest>("/v1/traces", exportTraceServiceRequest, ct);

    /// <summary>Ingested spans in ingest order, filtered by run, task and/or trace.</summary>
    [WireRoute("GET /spans")]
    public Task<Page<Span>> ListSpansPageAsync(string? runId = null, string? taskId = null, string? traceId = null, int? limit = null,
        string? cursor = null, CancellationToken ct = default) =>
        Get<Page<Span>>(Q("/spans", ("run_id", runId), ("task_id", taskId), ("trace_id", traceId), ("limit", limit), ("cursor", cursor)), ct);

    [WireRoute("GET /spans")]
    public IAsyncEnumerable<Span> EnumerateSpansAsync(string? runId = null, string? taskId = null, string? traceId = null, CancellationToken ct = default) =>
        All<Span>((c, t) => ListSpansPageAsync(runId, taskId, traceId, 1000, c, t), ct);

    // ---- pipelines ----

    /// <summary>Creates a pipeline from its definition (an object, or a JsonElement) and returns its id.</summary>
    [WireRoute("POST /pipelines")]
    public async Task<string> CreatePipelineAsync(string name, object definition, CancellationToken ct = default) =>
        (await Post<IdBody>("/pipelines", new PipelineBody(name, definition), ct).ConfigureAwait(false)).Id;

    [WireRoute("GET /pipelines")]
    public Task<IReadOnlyList<Pipeline>> ListPipelinesAsync(CancellationToken ct = default) => Get<IReadOnlyList<Pipeline>>("/pipelines", ct);

    [WireRoute("GET /pipelines/{id}")]
    public Task<Pipeline> GetPipelineAsync(string id, CancellationToken ct = default) => Get<Pipeline>("/pipelines/" + E(id), ct);

    // ---- artifacts ----

    [WireRoute("POST /artifacts")]
    public async Task<string> CreateArtifactAsync(NewArtifact artifact, CancellationToken ct = default) =>
        (await Post<IdBody>("/artifacts", artifact, ct).ConfigureAwait(false)).Id;

    [WireRoute("GET /artifacts")]
    public Task<Page<Artifact>> ListArtifactsPageAsync(string? taskId = null, string? runId = null, int? limit = null,
        string? cursor = null, CancellationToken ct = default) =>
        Get<Page<Artifact>>(Q("/artifacts", ("task_id", taskId), ("run_id", runId), ("limit", limit), ("cursor", cursor)), ct);

    [WireRoute("GET /artifacts")]
    public IAsyncEnumerable<Artifact> EnumerateArtifactsAsync(string? taskId = null, string? runId = null, CancellationToken ct = default) =>
        All<Artifact>((c, t) => ListArtifactsPageAsync(taskId, runId, 1000, c, t), ct);

    // ---- store ----

    [WireRoute("PUT /store/{namespace}/{key}")]
    public Task PutAsync(string ns, string key, object? value, CancellationToken ct = default) =>
        Send(HttpMethod.Put, $"/store/{E(ns)}/{E(key)}", new StorePutBody(value), ct);

    /// <summary>The entry, or null when the key does not exist.</summary>
    [WireRoute("GET /store/{namespace}/{key}")]
    public async Task<StoreEntry?> GetEntryAsync(string ns, string key, CancellationToken ct = default)
    {
        try { return await Get<StoreEntry>($"/store/{E(ns)}/{E(key)}", ct).ConfigureAwait(false); }
        catch (NotFoundException) { return null; }
    }

    [WireRoute("DELETE /store/{namespace}/{key}")]
    public Task DeleteEntryAsync(string ns, string key, CancellationToken ct = default) =>
        Send(HttpMethod.Delete, $"/store/{E(ns)}/{E(key)}", null, ct);

    [WireRoute("GET /store/{namespace}")]
    public Task<IReadOnlyList<StoreEntry>> ListNamespaceAsync(string ns, CancellationToken ct = default) =>
        Get<IReadOnlyList<StoreEntry>>("/store/" + E(ns), ct);

    [WireRoute("DELETE /store/{namespace}")]
    public Task DeleteNamespaceAsync(string ns, CancellationToken ct = default) => Send(HttpMethod.Delete, "/store/" + E(ns), null, ct);

    [WireRoute("GET /store/search")]
    public Task<IReadOnlyList<StoreEntry>> SearchStoreAsync(StoreSearch search, CancellationToken ct = default) =>
        Get<IReadOnlyList<StoreEntry>>(Q("/store/search", ("q", search.Q), ("namespace", search.Namespace), ("limit", search.Limit),
            ("filter_path", search.FilterPath), ("filter_value", search.FilterValue)), ct);

    internal static bool IsNoContent(HttpStatusCode status) => status == HttpStatusCode.NoContent;
}
