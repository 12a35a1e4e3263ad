using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace TaskLeaseServer.Conformance.Infrastructure;

/// <summary>One HTTP answer, read completely, with its body kept as text and bytes.</summary>
public sealed class ApiResponse
{
    private JsonDocument? _json;

    public ApiResponse(string method, string path, int status, byte[] body, string? contentType, IReadOnlyDictionary<string, string> headers)
    {
        Method = method;
        Path = path;
        Status = status;
        BodyBytes = body;
        Body = Encoding.UTF8.GetString(body);
        ContentType = contentType;
        Headers = headers;
    }

    public string Method { get; }
    public string Path { get; }
    public int Status { get; }
    public byte[] BodyBytes { get; }
    public string Body { get; }
    public string? ContentType { get; }
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The body parsed as JSON (fails the test with the raw text when it is not JSON).</summary>
    public JsonElement Json
    {
        get
        {
            if (_json is null)
            {
                try
                {
                    _json = JsonDocument.Parse(Body);
                }
                catch (JsonException e)
                {
                    throw new Xunit.Sdk.XunitException($"{this} has a body that is not JSON: {e.Message}");
                }
            }
            return _json.RootElement;
        }
    }

    public override string ToString()
    {
        var body = Body.Length > 600 ? Body[..600] + "…" : Body;
        return $"{Method} {(Path.Length > 120 ? Path[..120] + "…" : Path)} → {Status} {body}";
    }
}

/// <summary>
/// A thin HttpClient wrapper: raw JSON text in, <see cref="ApiResponse"/> out. Bodies given as
/// objects are serialised with System.Text.Json as-is (anonymous types with snake_case names).
/// </summary>
public sealed class Api : IDisposable
{
    private readonly HttpClient _http;

    public Api(Uri baseAddress, string? authorization = null)
    {
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        Authorization = authorization;
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>Sent as the Authorization header unless a call overrides it.</summary>
    public string? Authorization { get; }

    public Task<ApiResponse> GetAsync(string path, string? auth = null, IReadOnlyDictionary<string, string>? headers = null) =>
        SendAsync(HttpMethod.Get, path, null, auth, headers);

    public Task<ApiResponse> PostAsync(string path, object? body = null, string? auth = null, IReadOnlyDictionary<string, string>? headers = null) =>
        SendAsync(HttpMethod.Post, path, body, auth, headers);

    public Task<ApiResponse> PutAsync(string path, object? body = null, string? auth = null, IReadOnlyDictionary<string, string>? headers = null) =>
        SendAsync(HttpMethod.Put, path, body, auth, headers);

    public Task<ApiResponse> DeleteAsync(string path, string? auth = null, IReadOnlyDictionary<string, string>? headers = null) =>
        SendAsync(HttpMethod.Delete, path, null, auth, headers);

    /// <param name="body">null = no body; a string = raw body text; anything else = serialised to JSON.</param>
    /// <param name="auth">null = the client's default; "" = no Authorization header; otherwise the header value.</param>
    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, object? body, string? auth = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        if (!path.StartsWith('/') || path.StartsWith("//", StringComparison.Ordinal))
        {
            // "//x" would be a scheme-relative URL (host "x"); such targets go through RawHttp.
            throw new ArgumentException($"path must start with exactly one '/': {path}", nameof(path));
        }
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            var bytes = body switch
            {
                string s => Encoding.UTF8.GetBytes(s),
                byte[] b => b,
                _ => JsonSerializer.SerializeToUtf8Bytes(body),
            };
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        var authorization = auth ?? Authorization;
        if (!string.IsNullOrEmpty(authorization))
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        if (headers is not null)
        {
            foreach (var (name, value) in headers)
            {
                if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    request.Content ??= new ByteArrayContent([]);
                    request.Content.Headers.Remove(name);
                    request.Content.Headers.TryAddWithoutValidation(name, value);
                }
            }
        }

        using var response = await _http.SendAsync(request);
        var payload = await response.Content.ReadAsByteArrayAsync();
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in response.Headers) all[h.Key] = string.Join(", ", h.Value);
        foreach (var h in response.Content.Headers) all[h.Key] = string.Join(", ", h.Value);
        return new ApiResponse(method.Method, path, (int)response.StatusCode, payload,
            response.Content.Headers.ContentType?.MediaType, all);
    }

    public void Dispose() => _http.Dispose();

    public static string Bearer(string token) => "Bearer " + token;
}
