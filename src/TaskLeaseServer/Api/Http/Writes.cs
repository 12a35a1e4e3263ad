using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// How handlers change state: the work runs as one unit of the storage engine, and the request's
/// idempotency record (if it carries a key) is written in the same unit as the effect. A request
/// error rolls the work back and becomes the error reply, recorded in that same unit, so no other
/// request with the key can slip in between the answer and its record.
/// </summary>
public sealed class Writes(IWriteExecutor executor)
{
    public async Task<Reply> Run(HttpContext context, Func<IWriteUnit, Reply> work)
    {
        var request = IdempotentRequest.Of(context);
        if (request is null)
        {
            try
            {
                return await executor.Run(work);
            }
            catch (Exception e) when (Reply.ErrorOf(e) is { } error)
            {
                return error;
            }
        }
        return await executor.Run(unit =>
            FindOrRecord(unit, request, () => unit.Nested(() => Answer(unit, work), reply => reply.Status < 400)));
    }

    /// <summary>Records an answer given outside the unit (a 4xx from parsing), unless one is already there.</summary>
    public Task<Reply> Record(IdempotentRequest request, Reply reply) =>
        executor.Run(unit => FindOrRecord(unit, request, () => reply));

    private static Reply Answer(IWriteUnit unit, Func<IWriteUnit, Reply> work)
    {
        try
        {
            return work(unit);
        }
        catch (Exception e) when (Reply.ErrorOf(e) is { } error)
        {
            return error;
        }
    }

    /// <summary>
    /// The first recorded answer for a key wins: looked up again inside the unit, under the engine's
    /// serialisation of the scope, so two requests with one key cannot both run, and a late answer
    /// never overwrites or loses to a silent no-op.
    /// </summary>
    private static Reply FindOrRecord(IWriteUnit unit, IdempotentRequest request, Func<Reply> answer)
    {
        unit.Idempotency.Serialize(request.Scope);
        if (unit.Idempotency.Find(request.Scope) is { } stored) return request.Replay(stored);
        var reply = answer();
        if (reply.Recordable && reply.Status < 500)
        {
            unit.Idempotency.Record(request.Scope, reply.Status, reply.Body);
            request.Recorded = true;
        }
        return reply;
    }
}
