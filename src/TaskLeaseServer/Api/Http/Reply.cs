using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// Every answer the server gives: a status and the exact JSON bytes, always with
/// Content-Type application/json (CONTRACT §1.2). Keeping the bytes lets idempotency replay a
/// response verbatim and record it in the same transaction as the effect.
/// </summary>
public sealed class Reply(int status, byte[] body) : IResult
{
    public int Status { get; } = status;
    public byte[] Body { get; } = body;

    /// <summary>False for answers that must not be replayed under an Idempotency-Key (claim 204, CONTRACT W9).</summary>
    public bool Recordable { get; init; } = true;

    public static Reply Json<T>(int status, T value, JsonTypeInfo<T> type) =>
        new(status, JsonSerializer.SerializeToUtf8Bytes(value, type));

    public static Reply Ok<T>(T value, JsonTypeInfo<T> type) => Json(200, value, type);
    public static Reply Created<T>(T value, JsonTypeInfo<T> type) => Json(201, value, type);
    public static Reply NoContent() => new(204, []);

    public static Reply Error(ApiError error) => Error(error.Status, error.Code, error.Message);

    public static Reply Error(DomainError error)
    {
        var (status, code) = ErrorTable.Of(error.Fault);
        return Error(status, code, error.Message);
    }

    /// <summary>The answer for an error a handler threw, or null when it is not a request error (a bug: 500).</summary>
    public static Reply? ErrorOf(Exception e) => e switch
    {
        ApiError api => Error(api),
        DomainError domain => Error(domain),
        _ => null,
    };

    public static Reply Error(int status, string code, string message) =>
        Json(status, new ErrorResponse(new ErrorDetail(code, message)), WireJson.Wire.ErrorResponse);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = Status;
        response.ContentType = "application/json";
        response.ContentLength = Body.Length;
        return Body.Length == 0 ? Task.CompletedTask : response.Body.WriteAsync(Body).AsTask();
    }
}
