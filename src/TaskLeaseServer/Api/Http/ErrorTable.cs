using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api.Http;

/// <summary>The one table from a domain fault to its HTTP status and wire error code.</summary>
public static class ErrorTable
{
    public static (int Status, string Code) Of(Fault fault) => fault switch
    {
        Fault.PipelineNotFound => (404, "pipeline_not_found"),
        Fault.TaskNotFound => (404, "task_not_found"),
        Fault.UpstreamNotFound => (404, "task_not_found"),
        Fault.DependencyTaskNotFound => (404, "dependency_task_not_found"),
        Fault.RunNotFound => (404, "not_found"),
        Fault.LeaseNotFound => (404, "not_found"),
        Fault.AssignmentNotFound => (404, "not_found"),
        Fault.NoSuchTask => (404, "not_found"),
        Fault.DependencyNotFound => (404, "not_found"),
        Fault.RoleNotFound => (404, "not_found"),
        Fault.LeaseTokenMismatch => (401, "unauthorized"),
        Fault.LeaseExpired => (410, "expired"),
        Fault.LeaseRevoked => (410, "lease_revoked"),
        Fault.RunNotRunning => (409, "conflict"),
        Fault.ExpectedStageMismatch => (409, "expected_stage_mismatch"),
        Fault.TaskVersionMismatch => (409, "task_version_mismatch"),
        Fault.DuplicatePipelineName => (409, "duplicate_name"),
        Fault.DuplicateDependency => (409, "duplicate_dependency"),
        Fault.TaskLeased => (409, "task_leased"),
        Fault.InvalidTransition => (400, "invalid_transition"),
        Fault.InvalidDependency => (400, "invalid_dependency"),
        Fault.InvalidPipeline => (400, "validation_failed"),
        Fault.InvalidQuery => (400, "invalid_query"),
        Fault.InvalidStage => (400, "invalid_stage"),
        Fault.UnstorableText => (400, "validation_failed"),
        Fault.StorageUnavailable => (503, "unavailable"),
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, "a fault with no HTTP answer"),
    };
}
