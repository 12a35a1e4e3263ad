using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage.Sqlite;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// How handlers change state: the work runs in the single writer, and the request's idempotency
/// record (if it carries a key) is written in the same transaction as the effect (CONTRACT W10).
/// An <see cref="ApiError"/> rolls the work back and becomes the error reply, recorded in that same
/// unit, so no other request with the key can slip in between the answer and its record.
/// </summary>
public sealed class Writes(WriteQueue queue)
{
    public async Task<Reply> Run(HttpContext context, Func<WriteContext, Reply> work)
    {
        var request = IdempotentRequest.Of(context);
        if (request is null)
        {
            try
            {
                return await queue.Write(work);
            }
            catch (ApiError e)
            {
                return Reply.Error(e);
            }
        }
        return await queue.Write(ctx =>
            FindOrRecord(ctx, request, () => ctx.Atomically<Reply, ApiError>(() => work(ctx), Reply.Error)));
    }

    /// <summary>Records an answer given outside the writer (a 4xx from parsing), unless one is already there.</summary>
    public Task<Reply> Record(IdempotentRequest request, Reply reply) =>
        queue.Write(ctx => FindOrRecord(ctx, request, () => reply));

    /// <summary>
    /// The first recorded answer for a key wins: re-checked inside the writer, so two requests with
    /// one key cannot both run, and a late answer never overwrites or loses to a silent no-op.
    /// </summary>
    private static Reply FindOrRecord(WriteContext ctx, IdempotentRequest request, Func<Reply> answer)
    {
        if (IdempotencyStore.Find(ctx.Db, request.Scope) is { } stored) return request.Replay(stored);
        var reply = answer();
        if (reply.Recordable && reply.Status < 500)
        {
            IdempotencyStore.Record(ctx, request.Scope, reply.Status, reply.Body);
            request.Recorded = true;
        }
        return reply;
    }
}
