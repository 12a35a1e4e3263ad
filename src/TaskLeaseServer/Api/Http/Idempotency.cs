using System.Security.Cryptography;
using System.Text;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api.Http;

/// <summary>Endpoint metadata: the route never records or replays (heartbeat, CONTRACT W9).</summary>
public sealed record NoIdempotency;

/// <summary>
/// One request carrying an Idempotency-Key (CONTRACT §4): its scope, and whether its answer has
/// already been recorded (inside the effect's own transaction, by <see cref="Writes"/>).
/// </summary>
public sealed class IdempotentRequest(IdempotencyScope scope)
{
    public IdempotencyScope Scope { get; } = scope;
    public bool Recorded { get; set; }

    public static IdempotentRequest? Of(HttpContext context) => context.Items[typeof(IdempotentRequest)] as IdempotentRequest;

    public static IdempotentRequest? Open(HttpContext context)
    {
        var request = context.Request;
        if (request.Method == "GET" || !request.Headers.TryGetValue("Idempotency-Key", out var key) ||
            context.GetEndpoint()?.Metadata.GetMetadata<NoIdempotency>() is not null)
        {
            return null;
        }
        // Header values arrive one char per byte (Latin-1, see ServerComposition): keys whose bytes
        // differ are different strings, so different scopes, whether or not the bytes are UTF-8.
        var credential = request.Headers.Authorization.Count > 0 ? request.Headers.Authorization[0] ?? "" : "";
        var scope = new IdempotencyScope(key[0] ?? "", request.Method, RequestPath.Of(context).Raw,
            SHA256.HashData(Encoding.UTF8.GetBytes(credential)), SHA256.HashData(RequestBody.Of(context).Span));
        var opened = new IdempotentRequest(scope);
        context.Items[typeof(IdempotentRequest)] = opened;
        return opened;
    }

    /// <summary>The stored answer for this scope: replayed verbatim, or a conflict if the body differs.</summary>
    public Reply Replay(StoredResponse stored)
    {
        Recorded = true;
        return stored.RequestHash.AsSpan().SequenceEqual(Scope.RequestHash)
            ? new Reply((int)stored.Status, stored.Body)
            : Reply.Error(409, "idempotency_conflict",
                "this Idempotency-Key was used with a different body; use a new key for a different request");
    }
}

/// <summary>
/// Replays a recorded answer before the handler runs; records answers that no write unit recorded
/// (4xx from validation, or answers of handlers that change nothing). 5xx are never recorded.
/// </summary>
public sealed class IdempotencyFilter(IReads reads, Writes writes) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var request = IdempotentRequest.Open(invocation.HttpContext);
        if (request is not null && reads.Idempotent(request.Scope) is { } stored) return request.Replay(stored);

        Reply reply;
        try
        {
            reply = (Reply)(await next(invocation))!;
        }
        catch (Exception e) when (Reply.ErrorOf(e) is { } error)
        {
            reply = error;
        }
        if (request is { Recorded: false } && reply.Recordable && reply.Status < 500) return await writes.Record(request, reply);
        return reply;
    }
}
