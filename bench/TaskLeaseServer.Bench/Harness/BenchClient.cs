using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace TaskLeaseServer.Bench.Harness;

/// <summary>A response as the bench needs it: status and raw body bytes.</summary>
public readonly record struct Answer(int Status, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// Raw HTTP to the server over kept-alive loopback connections, for the loops a scenario measures.
/// They do not go through TaskLeaseClient: it sends an Idempotency-Key with every write, and the
/// server records each keyed answer in the write's transaction (a lookup and an extra row per
/// claim, event, transition, 204 included), so a loop through it would measure that bookkeeping too.
/// Set-up and polling (creating pipelines and gate tasks, counting waiting claims) use
/// <see cref="ServerTarget.Typed"/>. Any answer outside the statuses a
/// call expects is counted as an error (and the first few are kept to print), so a run that hit a
/// 5xx or a 4xx it should not have cannot look like a fast run.
/// </summary>
public sealed class BenchClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;
    private readonly string? _apiToken;
    private long _errors;
    private readonly List<string> _firstErrors = [];

    public BenchClient(Uri baseUrl, string? apiToken)
    {
        _apiToken = apiToken;
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromSeconds(120),
        };
    }

    public long Errors => Interlocked.Read(ref _errors);

    public IReadOnlyList<string> FirstErrors
    {
        get { lock (_firstErrors) return [.. _firstErrors]; }
    }

    public Task<Answer> Get(string path, params int[] expected) => Send(HttpMethod.Get, path, null, null, expected);

    public Task<Answer> Post(string path, byte[] body, params int[] expected) => Send(HttpMethod.Post, path, body, null, expected);

    public Task<Answer> Put(string path, byte[] body, params int[] expected) => Send(HttpMethod.Put, path, body, null, expected);

    /// <summary>A lease-protected call: the lease token is the bearer.</summary>
    public Task<Answer> PostWithLease(string path, byte[] body, string leaseToken, params int[] expected) =>
        Send(HttpMethod.Post, path, body, leaseToken, expected);

    private async Task<Answer> Send(HttpMethod method, string path, byte[]? body, string? bearer, int[] expected)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = Json;
        }
        var token = bearer ?? _apiToken;
        if (token is not null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);

        Answer answer;
        try
        {
            using var response = await _http.SendAsync(request);
            answer = new Answer((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Fail($"{method} {path}: {e.Message}");
            return new Answer(0, []);
        }
        if (Array.IndexOf(expected, answer.Status) < 0)
        {
            var text = answer.Text;
            Fail($"{method} {path}: {answer.Status} {text[..Math.Min(text.Length, 300)]}");
        }
        return answer;
    }

    private void Fail(string message)
    {
        Interlocked.Increment(ref _errors);
        lock (_firstErrors)
        {
            if (_firstErrors.Count < 5) _firstErrors.Add(message);
        }
    }

    public void Dispose() => _http.Dispose();
}
