using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using TaskLeaseServer.Conformance.Infrastructure;

namespace TaskLeaseServer.Conformance.Resilience.MultiNode;

/// <summary>
/// Server processes on one PostgreSQL database, as nodes behind a load balancer, and the client
/// an agent would use in front of them: a write goes to the agent's node and, when that node is
/// gone (refused, reset, timed out) or answers 5xx, again with the same Idempotency-Key to the
/// next node, so a write that committed on a node that died before answering is replayed, not
/// repeated. Every 5xx is kept, with its node and body, for the fact to judge.
/// </summary>
public sealed class Nodes : IAsyncDisposable
{
    private readonly List<ServerProcess> _servers;
    private readonly HttpClient[] _clients;
    private readonly bool[] _killed;

    private Nodes(List<ServerProcess> servers)
    {
        _servers = servers;
        _killed = new bool[servers.Count];
        _clients = servers.Select(s => new HttpClient { BaseAddress = s.BaseAddress, Timeout = TimeSpan.FromSeconds(20) }).ToArray();
    }

    public int Count => _servers.Count;
    public ConcurrentQueue<string> ServerErrors { get; } = new();
    public ConcurrentQueue<string> Unreachable { get; } = new();

    public ServerProcess this[int node] => _servers[node];
    public bool IsKilled(int node) => Volatile.Read(ref _killed[node]);
    public IEnumerable<int> Alive => Enumerable.Range(0, Count).Where(n => !IsKilled(n));

    /// <summary>
    /// Starts n1 and waits until it sweeps, then the others at once; node i runs with
    /// <c>application_name=n{i+1}</c>, the name its sweeper log lines and pg_stat_activity show.
    /// </summary>
    public static async Task<Nodes> StartAsync(string db, int count, int sweepIntervalMs)
    {
        var servers = new List<ServerProcess>();
        try
        {
            servers.Add(await ServerProcess.StartAsync(new ServerOptions { Db = $"{db}?application_name=n1", SweepIntervalMs = sweepIntervalMs }));
            await UntilAsync(() => servers[0].Output.Contains(SweepsLine, StringComparison.Ordinal), TimeSpan.FromSeconds(20), "n1 to lead the sweeper");
            servers.AddRange(await Task.WhenAll(Enumerable.Range(2, count - 1).Select(i =>
                ServerProcess.StartAsync(new ServerOptions { Db = $"{db}?application_name=n{i}", SweepIntervalMs = sweepIntervalMs }))));
            return new Nodes(servers);
        }
        catch
        {
            foreach (var s in servers) await s.DisposeAsync();
            throw;
        }
    }

    /// <summary>What a node logs when it becomes the sweeper (Background/LeaseSweeper).</summary>
    public const string SweepsLine = "Sweeper: this node sweeps";

    /// <summary>The living node whose latest sweeper line says it sweeps, or null.</summary>
    public int? Leader() => Alive.Where(n =>
    {
        var output = _servers[n].Output;
        var sweeps = output.LastIndexOf(SweepsLine, StringComparison.Ordinal);
        return sweeps >= 0 && sweeps > output.LastIndexOf("Sweeper: another node", StringComparison.Ordinal) &&
            sweeps > output.LastIndexOf("Sweeper: this node does not sweep", StringComparison.Ordinal);
    }).Cast<int?>().FirstOrDefault();

    /// <summary>kill -9: no shutdown, no answer for what is in flight; its sessions end with its sockets.</summary>
    public async Task KillAsync(int node)
    {
        Volatile.Write(ref _killed[node], true);
        await _servers[node].StopAsync();
    }

    /// <summary>
    /// Sends one request, first to <paramref name="node"/>, then around the living nodes, with one
    /// Idempotency-Key for all attempts (none for reads). Returns the first answer below 500, or
    /// (0, null) when no node gave one within <paramref name="patience"/>.
    /// </summary>
    public async Task<(int Status, JsonElement? Body)> SendAsync(int node, HttpMethod method, string path, string? json,
        string? bearer = null, bool idempotent = true, TimeSpan? patience = null)
    {
        var key = idempotent ? Guid.NewGuid().ToString("N") : null;
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(60));
        for (var attempt = 0; DateTime.UtcNow < deadline; attempt++)
        {
            var target = (node + attempt) % Count;
            if (IsKilled(target)) continue;
            using var request = new HttpRequestMessage(method, path);
            if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            if (key is not null) request.Headers.Add("Idempotency-Key", key);
            try
            {
                using var response = await _clients[target].SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                if (status >= 500)
                {
                    ServerErrors.Enqueue($"n{target + 1} {method} {path} → {status} {text}");
                    if (attempt % Count == Count - 1) await Task.Delay(100); // every node said 5xx: a breath before going round again
                    continue;
                }
                return (status, text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                Unreachable.Enqueue($"n{target + 1} {method} {path}: {e.GetType().Name} {e.Message}");
                if (attempt % Count == Count - 1) await Task.Delay(100);
            }
        }
        return (0, null);
    }

    /// <summary>Polls <paramref name="condition"/> (every 20 ms) until it holds; fails after <paramref name="bound"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan bound, string what)
    {
        var deadline = DateTime.UtcNow + bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {bound.TotalSeconds:0} s for {what}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        foreach (var server in _servers) await server.DisposeAsync();
    }
}
