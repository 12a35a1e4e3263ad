using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskLeaseServer.Api.Wire;

/// <summary>Source-generated serialisation for every wire shape: snake_case, nulls written.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(IdResponse))]
[JsonSerializable(typeof(EventIdResponse))]
[JsonSerializable(typeof(BulkTaskCreateResponse))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ServerIndex))]
[JsonSerializable(typeof(Pipeline))]
[JsonSerializable(typeof(List<Pipeline>))]
[JsonSerializable(typeof(TaskView))]
[JsonSerializable(typeof(Page<TaskView>))]
[JsonSerializable(typeof(Run))]
[JsonSerializable(typeof(RunDetails))]
[JsonSerializable(typeof(Page<RunDetails>))]
[JsonSerializable(typeof(List<Dependency>))]
[JsonSerializable(typeof(List<Assignment>))]
[JsonSerializable(typeof(TaskDetails))]
[JsonSerializable(typeof(IReadOnlyList<Dependency>))]
[JsonSerializable(typeof(IReadOnlyList<TaskAssignment>))]
[JsonSerializable(typeof(IReadOnlyList<AvailableTransition>))]
[JsonSerializable(typeof(ClaimResponse))]
[JsonSerializable(typeof(HeartbeatResponse))]
[JsonSerializable(typeof(RunEvent))]
[JsonSerializable(typeof(Page<RunEvent>))]
[JsonSerializable(typeof(TransitionResponse))]
[JsonSerializable(typeof(Page<Artifact>))]
[JsonSerializable(typeof(StoreEntry))]
[JsonSerializable(typeof(List<StoreEntry>))]
[JsonSerializable(typeof(QueueOpsResponse))]
[JsonSerializable(typeof(OtlpIngestResponse))]
[JsonSerializable(typeof(ApiKeyCreated))]
[JsonSerializable(typeof(Page<ApiKeyView>))]
[JsonSerializable(typeof(RoleList))]
[JsonSerializable(typeof(RoleControlResponse))]
[JsonSerializable(typeof(RolesControlResponse))]
[JsonSerializable(typeof(DrainResponse))]
[JsonSerializable(typeof(DrainAllResponse))]
[JsonSerializable(typeof(Page<RoleEventView>))]
[JsonSerializable(typeof(Page<SpanView>))]
[JsonSerializable(typeof(BulkActionResponse))]
internal sealed partial class WireJson : JsonSerializerContext
{
    /// <summary>The instance every reply uses: like Default, but quotes and non-ASCII text stay readable.</summary>
    public static WireJson Wire { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
