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
    RoleNotFound,

    // The lease check of a holder's write (token, then expiry).
    LeaseTokenMismatch,
    LeaseExpired,

    // The request conflicts with the current state.
    RunNotRunning,
    ExpectedStageMismatch,
    TaskVersionMismatch,
    DuplicatePipelineName,
    DuplicateDependency,

    // The request is well-formed but asks for something the rules refuse.
    InvalidTransition,
    InvalidDependency,
    InvalidPipeline,
    InvalidQuery,

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
