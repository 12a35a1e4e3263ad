using System.Net;
using System.Text;
using System.Text.Json;
using FluentAssertions;

namespace TaskLeaseServer.Tests.Support;

/// <summary>A response read as status + parsed JSON (null for an empty body).</summary>
public sealed record Answer(HttpStatusCode Status, JsonElement? Json, string Text)
{
    public JsonElement Body => Json ?? throw new InvalidOperationException($"empty body (status {Status})");
    public string ErrorCode => Body.GetProperty("error").GetProperty("code").GetString()!;
    public string Str(string name) => Body.GetProperty(name).GetString()!;
    public long Long(string name) => Body.GetProperty(name).GetInt64();

    public Answer Expect(HttpStatusCode status)
    {
        Status.Should().Be(status, "the body was {0}", Text);
        return this;
    }

    public Answer ExpectError(HttpStatusCode status, string code)
    {
        Expect(status);
        ErrorCode.Should().Be(code, "the body was {0}", Text);
        Body.GetProperty("error").GetProperty("message").GetString().Should().NotBeNullOrWhiteSpace();
        return this;
    }
}

/// <summary>Terse calls for tests: raw JSON text in, <see cref="Answer"/> out.</summary>
public static class Api
{
    public static Task<Answer> Get(this HttpClient http, string path, string? bearer = null) =>
        http.Send(HttpMethod.Get, path, null, bearer);

    public static Task<Answer> Post(this HttpClient http, string path, string? json, string? bearer = null, string? idempotencyKey = null) =>
        http.Send(HttpMethod.Post, path, json, bearer, idempotencyKey);

    public static Task<Answer> Delete(this HttpClient http, string path, string? bearer = null) =>
        http.Send(HttpMethod.Delete, path, null, bearer);

    /// <summary>Sends a body with exactly this Content-Type (none when null), as a proxy or curl -d would.</summary>
    public static async Task<HttpStatusCode> SendWithContentType(this HttpClient http, HttpMethod method, string path, string body, string? contentType)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        if (contentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    public static async Task<Answer> Send(this HttpClient http, HttpMethod method, string path, string? json,
        string? bearer = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        if (bearer is not null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/json");
        return new Answer(response.StatusCode, text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone(), text);
    }
}
