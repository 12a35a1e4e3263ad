using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace TaskLeaseServer.Client;

/// <summary>
/// One request, sent until it gets an answer: a write carries one Idempotency-Key over all its
/// attempts and the same body bytes (the server hashes the raw body), so a retry after a lost
/// answer replays the first answer instead of running the effect twice.
/// </summary>
internal sealed class Transport(HttpClient http, TaskLeaseClientOptions options)
{
    public HttpClient Http => http;
    public TaskLeaseClientOptions Options => options;

    public async Task<(HttpStatusCode Status, byte[] Body)> SendAsync(HttpMethod method, string path, object? body,
        string? bearer, bool leaseRoute, CancellationToken ct)
    {
        var payload = body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), WireJson.Options);
        var key = method == HttpMethod.Get ? null : Guid.NewGuid().ToString("N");
        for (var attempt = 0; ; attempt++)
        {
            Exception? failure;
            try
            {
                using var request = new HttpRequestMessage(method, path);
                if (payload is not null)
                {
                    request.Content = new ByteArrayContent(payload);
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                }
                if (key is not null) request.Headers.Add("Idempotency-Key", key);
                Authorize(request, bearer);
                using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
                var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (status < 400) return (response.StatusCode, bytes);
                var error = ParseError(status, bytes, leaseRoute);
                if (status < 500) throw error;
                failure = error;
            }
            catch (HttpRequestException e) { failure = e; }
            catch (TaskCanceledException e) when (!ct.IsCancellationRequested) { failure = e; } // HttpClient.Timeout
            if (attempt >= options.MaxRetries)
                throw failure as TaskLeaseException
                      ?? new ServerUnavailableException(0, "unreachable", $"{method} {path} failed {attempt + 1} times: {failure.Message}", failure);
            ClientTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("http.request.method", method.Method)); // not the path: its ids would make a series per task
            Activity.Current?.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection { ["attempt"] = attempt + 1 }));
            await Task.Delay(Backoff(attempt), options.TimeProvider, ct).ConfigureAwait(false);
        }
    }

    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct,
        string? bearer = null, bool leaseRoute = false)
    {
        var (_, bytes) = await SendAsync(method, path, body, bearer, leaseRoute, ct).ConfigureAwait(false);
        return JsonSerializer.Deserialize<T>(bytes, WireJson.Options)
               ?? throw new TaskLeaseException(200, "empty_answer", $"{method} {path} answered no JSON");
    }

    /// <summary>The lease token when one is given, else the client's API key, else nothing.</summary>
    public void Authorize(HttpRequestMessage request, string? bearer = null)
    {
        var token = bearer ?? options.ApiKey;
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>Full jitter: a uniform wait in [0, min(max, first·2^attempt)], so a fleet that failed together does not retry together.</summary>
    public TimeSpan Backoff(int attempt)
    {
        var cap = Math.Min(options.MaxRetryDelay.TotalMilliseconds, options.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, attempt));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap);
    }

    internal static TaskLeaseException ParseError(int status, byte[] bytes, bool leaseRoute)
    {
        ErrorDetail? detail = null;
        try { detail = JsonSerializer.Deserialize<ErrorBody>(bytes, WireJson.Options)?.Error; }
        catch (JsonException) { }
        return TaskLeaseException.From(status, detail?.Code ?? "http_" + status,
            detail?.Message ?? $"the server answered {status} without an error envelope", leaseRoute);
    }
}
