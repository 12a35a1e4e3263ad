using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;

namespace TaskLeaseServer.Tests.Support;

/// <summary>An HTTP answer as status, body text and parsed JSON.</summary>
public sealed record OtlpAnswer(HttpStatusCode Status, string Text)
{
    public JsonElement Json => JsonDocument.Parse(Text).RootElement.Clone();
    public string ErrorCode => Json.GetProperty("error").GetProperty("code").GetString()!;
    public string ErrorMessage => Json.GetProperty("error").GetProperty("message").GetString()!;
    public long BatchId => Json.GetProperty("batch_id").GetInt64();
    public long AcceptedSpans => Json.GetProperty("accepted_spans").GetInt64();
    public string Stored => Json.GetProperty("stored").GetString()!;
}

/// <summary>Posts OTLP bodies exactly as given (content type, encoding, framing) and reads spans back.</summary>
public static class OtlpClient
{
    public static Task<OtlpAnswer> PostJson(this HttpClient http, string json, string path = "/v1/traces") =>
        http.PostTraces(Encoding.UTF8.GetBytes(json), "application/json", path);

    /// <param name="contentType">the Content-Type header value, or null to send none</param>
    public static async Task<OtlpAnswer> PostTraces(this HttpClient http, byte[] body, string? contentType,
        string path = "/v1/traces", bool gzip = false, string? idempotencyKey = null)
    {
        var bytes = gzip ? Gzip(body) : body;
        using var content = new ByteArrayContent(bytes);
        if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (gzip) content.Headers.ContentEncoding.Add("gzip");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        return await Exchange(http, request);
    }

    public static async Task<OtlpAnswer> Exchange(this HttpClient http, HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request);
        var answer = new OtlpAnswer(response.StatusCode, await response.Content.ReadAsStringAsync());
        if (response.Content.Headers.ContentType is not { MediaType: "application/json" })
            throw new InvalidOperationException($"answer without Content-Type application/json: {answer.Text}");
        return answer;
    }

    public static async Task<OtlpAnswer> GetSpans(this HttpClient http, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/spans?" + query);
        return await Exchange(http, request);
    }

    /// <summary>Every span the query matches, walking the pages <paramref name="pageSize"/> at a time.</summary>
    public static async Task<List<JsonElement>> AllSpans(this HttpClient http, string query, int pageSize = 1000)
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await http.GetSpans($"{query}&limit={pageSize}" + (cursor is null ? "" : "&cursor=" + cursor));
            if (page.Status != HttpStatusCode.OK) throw new InvalidOperationException(page.Text);
            items.AddRange(page.Json.GetProperty("items").EnumerateArray());
            var next = page.Json.GetProperty("next_cursor");
            cursor = next.ValueKind == JsonValueKind.Null ? null : next.GetString();
        } while (cursor is not null);
        return items;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }

    /// <summary>One span in OTLP/JSON, with optional extra span properties spliced in.</summary>
    public static string JsonRequest(string spans, string resourceAttributes = "[]") =>
        $$"""{"resourceSpans":[{"resource":{"attributes":{{resourceAttributes}}},"scopeSpans":[{"scope":{"name":"test-scope","version":"1.0"},"spans":[{{spans}}]}]}]}""";
}
