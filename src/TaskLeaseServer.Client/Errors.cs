namespace TaskLeaseServer.Client;

/// <summary>The server answered with its error envelope: <c>{"error":{"code","message"}}</c>.</summary>
public class TaskLeaseException(int status, string code, string message, Exception? inner = null)
    : Exception($"{status} {code}: {message}", inner)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string ServerMessage { get; } = message;

    /// <summary>The typed exception for an answer; <paramref name="leaseRoute"/> turns a 404 into a lost lease.</summary>
    internal static TaskLeaseException From(int status, string code, string message, bool leaseRoute) => (status, code) switch
    {
        (410, "lease_revoked") => new LeaseRevokedException(message),
        (410, _) => new LeaseExpiredException(code, message),
        (404, _) when leaseRoute => new LeaseGoneException(code, message),
        (401, _) => new UnauthorizedException(message),
        (403, _) => new ForbiddenException(message),
        (409, "task_version_mismatch") => new TaskVersionMismatchException(message),
        (409, "expected_stage_mismatch") => new ExpectedStageMismatchException(message),
        (409, "idempotency_conflict") => new IdempotencyConflictException(message),
        (400, "invalid_transition") => new InvalidTransitionException(message),
        (404, _) => new NotFoundException(code, message),
        (409, _) => new ConflictException(code, message),
        (>= 500, _) => new ServerUnavailableException(status, code, message),
        _ => new TaskLeaseException(status, code, message),
    };
}

/// <summary>The lease is no longer the caller's: stop working on the task.</summary>
public abstract class LeaseLostException(int status, string code, string message) : TaskLeaseException(status, code, message);

/// <summary>410 expired: the lease ran out before this call.</summary>
public sealed class LeaseExpiredException(string code, string message) : LeaseLostException(410, code, message);

/// <summary>410 lease_revoked: an operator canceled, paused or requeued the task.</summary>
public sealed class LeaseRevokedException(string message) : LeaseLostException(410, "lease_revoked", message);

/// <summary>404 on a lease route: the lease was reaped, released or superseded.</summary>
public sealed class LeaseGoneException(string code, string message) : LeaseLostException(404, code, message);

public sealed class UnauthorizedException(string message) : TaskLeaseException(401, "unauthorized", message);
public sealed class ForbiddenException(string message) : TaskLeaseException(403, "forbidden", message);
public sealed class NotFoundException(string code, string message) : TaskLeaseException(404, code, message);
public class ConflictException(string code, string message) : TaskLeaseException(409, code, message);
public sealed class TaskVersionMismatchException(string message) : ConflictException("task_version_mismatch", message);
public sealed class ExpectedStageMismatchException(string message) : ConflictException("expected_stage_mismatch", message);
public sealed class IdempotencyConflictException(string message) : ConflictException("idempotency_conflict", message);
public sealed class InvalidTransitionException(string message) : TaskLeaseException(400, "invalid_transition", message);

/// <summary>5xx after every retry, or the server could not be reached at all (status 0).</summary>
public sealed class ServerUnavailableException(int status, string code, string message, Exception? inner = null)
    : TaskLeaseException(status, code, message, inner);
