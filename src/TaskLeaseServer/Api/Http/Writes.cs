using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage.Sqlite;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// How handlers change state: the work runs in the single writer, and the request's idempotency
/// record (if it carries a key) is written in the same transaction as the effect (CONTRACT W10).
/// An <see cref="ApiError"/> rolls the work back and becomes the error reply.
/// </summary>
public sealed class Writes(WriteQueue queue)
{
    public async Task<Reply> Run(HttpContext context, Func<WriteContext, Reply> work)
    {
        var request = IdempotentRequest.Of(context);
        try
        {
            return await queue.Write(ctx =>
            {
                // Re-checked inside the writer: two requests with one key cannot both run.
                if (request is not null && IdempotencyStore.Find(ctx.Db, request.Scope) is { } stored) return request.Replay(stored);
                var reply = work(ctx);
                if (request is not null && reply.Recordable && reply.Status < 500)
                {
                    IdempotencyStore.Record(ctx, request.Scope, reply.Status, reply.Body);
                    request.Recorded = true;
                }
                return reply;
            });
        }
        catch (ApiError e)
        {
            return Reply.Error(e);
        }
    }

    public Task Record(IdempotentRequest request, Reply reply) =>
        queue.Write(ctx =>
        {
            IdempotencyStore.Record(ctx, request.Scope, reply.Status, reply.Body);
            return true;
        });
}
