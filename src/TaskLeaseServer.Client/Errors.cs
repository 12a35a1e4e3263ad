namespace TaskLeaseServer.Client;

/// <summary>
/// The server answered with its error envelope <c>{"error":{"code","message"}}</c>. Every code of the
/// wire has its own subclass (grouped under <see cref="BadRequestException"/>, <see cref="NotFoundException"/>,
/// <see cref="ConflictException"/>, <see cref="LeaseLostException"/>); an unknown code keeps its status's group.
/// </summary>
public class TaskLeaseException(int status, string code, string message, Exception? inner = null)
    : Exception($"{status} {code}: {message}", inner)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string ServerMessage { get; } = message;

    /// <summary>The typed exception for an answer; <paramref name="leaseRoute"/> turns a 404 into a lost lease.</summary>
    internal static TaskLeaseException From(int status, string code, string message, bool leaseRoute) => (status, code) switch
    {
        (400, "invalid_json") => new InvalidJsonException(message),
        (400, "validation_failed") => new ValidationFailedException(message),
        (400, "invalid_request") => new InvalidRequestException(message),
        (400, "invalid_dependency") => new InvalidDependencyException(message),
        (400, "invalid_transition") => new InvalidTransitionException(message),
        (400, "invalid_limit") => new InvalidLimitException(message),
        (400, "invalid_cursor") => new InvalidCursorException(message),
        (400, "reserved_namespace") => new ReservedNamespaceException(message),
        (400, "missing_param") => new MissingParamException(message),
        (400, "invalid_query") => new InvalidQueryException(message),
        (400, "invalid_stage") => new InvalidStageException(message),
        (400, _) => new BadRequestException(code, message),
        (401, _) => new UnauthorizedException(message),
        (403, _) => new ForbiddenException(message),
        (404, _) when leaseRoute => new LeaseGoneException(code, message),
        (404, "pipeline_not_found") => new PipelineNotFoundException(message),
        (404, "task_not_found") => new TaskNotFoundException(message),
        (404, "dependency_task_not_found") => new DependencyTaskNotFoundException(message),
        (404, _) => new NotFoundException(code, message),
        (409, "duplicate_name") => new DuplicateNameException(message),
        (409, "duplicate_dependency") => new DuplicateDependencyException(message),
        (409, "expected_stage_mismatch") => new ExpectedStageMismatchException(message),
        (409, "task_version_mismatch") => new TaskVersionMismatchException(message),
        (409, "task_leased") => new TaskLeasedException(message),
        (409, "idempotency_conflict") => new IdempotencyConflictException(message),
        (409, "auth_not_configured") => new AuthNotConfiguredException(message),
        (409, _) => new ConflictException(code, message),
        (410, "lease_revoked") => new LeaseRevokedException(message),
        (410, _) => new LeaseExpiredException(code, message),
        (413, _) => new PayloadTooLargeException(code, message),
        (>= 500, _) => new ServerUnavailableException(status, code, message),
        _ => new TaskLeaseException(status, code, message),
    };
}

// ---- 400: the request is wrong; fix it, do not retry it ----

public class BadRequestException(string code, string message) : TaskLeaseException(400, code, message);
/// <summary>invalid_json: the body is not one JSON object, or a field is missing or of the wrong type.</summary>
public sealed class InvalidJsonException(string message) : BadRequestException("invalid_json", message);
/// <summary>validation_failed: a pipeline definition is not a valid state machine, or a text the database cannot store.</summary>
public sealed class ValidationFailedException(string message) : BadRequestException("validation_failed", message);
/// <summary>invalid_request: an extension field of the wrong type or out of range.</summary>
public sealed class InvalidRequestException(string message) : BadRequestException("invalid_request", message);
/// <summary>invalid_dependency: a task would depend on itself, or the edge would close a cycle.</summary>
public sealed class InvalidDependencyException(string message) : BadRequestException("invalid_dependency", message);
/// <summary>invalid_transition: no transition from the task's stage has that trigger.</summary>
public sealed class InvalidTransitionException(string message) : BadRequestException("invalid_transition", message);
/// <summary>invalid_limit: a page limit outside 1..1000.</summary>
public sealed class InvalidLimitException(string message) : BadRequestException("invalid_limit", message);
/// <summary>invalid_cursor: a cursor that is not in the list's format.</summary>
public sealed class InvalidCursorException(string message) : BadRequestException("invalid_cursor", message);
/// <summary>reserved_namespace: a store write into the namespace <c>search</c>.</summary>
public sealed class ReservedNamespaceException(string message) : BadRequestException("reserved_namespace", message);
/// <summary>missing_param: a store search without <c>q</c>.</summary>
public sealed class MissingParamException(string message) : BadRequestException("missing_param", message);
/// <summary>invalid_query: a store search whose <c>q</c> has no word, or a malformed <c>filter_path</c>.</summary>
public sealed class InvalidQueryException(string message) : BadRequestException("invalid_query", message);
/// <summary>invalid_stage: an operator action names a stage it cannot use.</summary>
public sealed class InvalidStageException(string message) : BadRequestException("invalid_stage", message);

// ---- 401, 403 ----

public sealed class UnauthorizedException(string message) : TaskLeaseException(401, "unauthorized", message);
/// <summary>forbidden: the API key's scope does not cover the route.</summary>
public sealed class ForbiddenException(string message) : TaskLeaseException(403, "forbidden", message);

// ---- 404 ----

public class NotFoundException(string code, string message) : TaskLeaseException(404, code, message);
/// <summary>pipeline_not_found: a task names an unknown pipeline.</summary>
public sealed class PipelineNotFoundException(string message) : NotFoundException("pipeline_not_found", message);
/// <summary>task_not_found: a task lists an unknown dependency, or a dependency, assignment or artifact names an unknown task.</summary>
public sealed class TaskNotFoundException(string message) : NotFoundException("task_not_found", message);
/// <summary>dependency_task_not_found: a new dependency names an unknown upstream task.</summary>
public sealed class DependencyTaskNotFoundException(string message) : NotFoundException("dependency_task_not_found", message);

// ---- 409: the state is not what the request assumed ----

/// <summary>409; the code <c>conflict</c> itself is a transition or fail on a run that is no longer running.</summary>
public class ConflictException(string code, string message) : TaskLeaseException(409, code, message);
public sealed class DuplicateNameException(string message) : ConflictException("duplicate_name", message);
public sealed class DuplicateDependencyException(string message) : ConflictException("duplicate_dependency", message);
public sealed class TaskVersionMismatchException(string message) : ConflictException("task_version_mismatch", message);
public sealed class ExpectedStageMismatchException(string message) : ConflictException("expected_stage_mismatch", message);
/// <summary>task_leased: an operator action on a task a live lease holds, without <c>force</c>.</summary>
public sealed class TaskLeasedException(string message) : ConflictException("task_leased", message);
/// <summary>idempotency_conflict: an Idempotency-Key reused with a different body.</summary>
public sealed class IdempotencyConflictException(string message) : ConflictException("idempotency_conflict", message);
/// <summary>auth_not_configured: API keys need the server to run with an API token.</summary>
public sealed class AuthNotConfiguredException(string message) : ConflictException("auth_not_configured", message);

// ---- 410, and 404 on a lease route: the lease is gone ----

/// <summary>The lease is no longer the caller's: stop working on the task.</summary>
public abstract class LeaseLostException(int status, string code, string message) : TaskLeaseException(status, code, message);

/// <summary>410 expired: the lease ran out before this call.</summary>
public sealed class LeaseExpiredException(string code, string message) : LeaseLostException(410, code, message);

/// <summary>410 lease_revoked: an operator canceled, paused or requeued the task.</summary>
public sealed class LeaseRevokedException(string message) : LeaseLostException(410, "lease_revoked", message);

/// <summary>404 on a lease route: the lease was reaped, released or superseded.</summary>
public sealed class LeaseGoneException(string code, string message) : LeaseLostException(404, code, message);

// ---- 413, 5xx ----

/// <summary>payload_too_large: the body is over the server's limit; send less per request.</summary>
public sealed class PayloadTooLargeException(string code, string message) : TaskLeaseException(413, code, message);

/// <summary>5xx (internal_error, unavailable) after every retry, or the server could not be reached at all (status 0).</summary>
public sealed class ServerUnavailableException(int status, string code, string message, Exception? inner = null)
    : TaskLeaseException(status, code, message, inner);
