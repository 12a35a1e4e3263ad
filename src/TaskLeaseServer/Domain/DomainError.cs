namespace TaskLeaseServer.Domain;

/// <summary>
/// What went wrong, as a fact of the domain rather than an HTTP answer. Domain, Lifecycle and the
/// storage engines throw these; Api/Http/ErrorTable maps each to one status and one wire code.
/// </summary>
public enum Fault
{
    // Something named does not exist.
    PipelineNotFound,
    TaskNotFound,
    UpstreamNotFound,
    DependencyTaskNotFound,
    RunNotFound,
    LeaseNotFound,
    AssignmentNotFound,
    /// <summary>The task an operator route names does not exist (404 not_found, EXTENSIONS §7).</summary>
    NoSuchTask,
    /// <summary>DELETE of a dependency edge that does not exist.</summary>
    DependencyNotFound,
    RoleNotFound,

    // The lease check of a holder's write (token, then expiry).
    LeaseTokenMismatch,
    LeaseExpired,
    /// <summary>An operator revoked the lease (cancel, forced requeue or delete, pause with revoke_lease).</summary>
    LeaseRevoked,

    // The request conflicts with the current state.
    RunNotRunning,
    ExpectedStageMismatch,
    TaskVersionMismatch,
    DuplicatePipelineName,
    DuplicateDependency,
    /// <summary>An operator action on a task with a live lease, without force.</summary>
    TaskLeased,

    // The request is well-formed but asks for something the rules refuse.
    InvalidTransition,
    InvalidDependency,
    InvalidPipeline,
    InvalidQuery,
    /// <summary>An operator named a stage the action cannot use (not in the pipeline, no role, not terminal).</summary>
    InvalidStage,

    // A text the storage engine cannot hold (PostgreSQL text has no NUL character).
    UnstorableText,

    // The storage engine cannot serve the request now (its database is unreachable or going away).
    StorageUnavailable,
}

/// <summary>A rule refused the request; the message says what to fix.</summary>
public sealed class DomainError(Fault fault, string message) : Exception(message)
{
    public Fault Fault { get; } = fault;
}
