using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FluentAssertions;
using TaskLeaseServer.Client;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Client;

/// <summary>
/// Issue 13: the client's records stay in agreement with the server's /openapi.json. Each client
/// record reads exactly the properties of the schemas it stands for: a field the server adds and
/// the client lacks fails here, and so does a client field the server does not document.
/// </summary>
public sealed class WireAgreementFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    /// <summary>Client type → the schemas whose union of properties it reads.</summary>
    private static readonly (Type Type, string[] Schemas)[] Map =
    [
        (typeof(TaskLeaseServer.Client.Pipeline), ["Pipeline"]),
        (typeof(TaskItem), ["Task"]),
        (typeof(TaskDetails), ["TaskDetails"]),
        (typeof(Run), ["Run", "RunDetails"]),
        (typeof(Dependency), ["Dependency"]),
        (typeof(Assignment), ["Assignment"]),
        (typeof(TaskAssignment), ["TaskAssignment"]),
        (typeof(AvailableTransition), ["AvailableTransition"]),
        (typeof(Claim), ["ClaimResponse"]),
        (typeof(Heartbeat), ["HeartbeatResponse"]),
        (typeof(RunEvent), ["RunEvent"]),
        (typeof(TransitionResult), ["TransitionResponse"]),
        (typeof(Artifact), ["Artifact"]),
        (typeof(StoreEntry), ["StoreEntry"]),
        (typeof(Health), ["HealthResponse"]),
        (typeof(HealthStageCount), ["HealthStageCount"]),
        (typeof(QueueRole), ["QueueRoleStats"]),
        (typeof(LimitedStage), ["LimitedStage"]),
        (typeof(QueueStats), ["QueueOpsResponse"]),
        (typeof(OtlpIngest), ["OtlpIngestResponse"]),
        (typeof(RetryPolicy), ["RetryPolicy"]),
        (typeof(NewTask), ["TaskCreateRequest"]),
        (typeof(TransitionRequest), ["TransitionRequest"]),
        (typeof(FailRequest), ["FailRequest"]),
        (typeof(NewArtifact), ["ArtifactCreateRequest"]),
        (typeof(ApiKey), ["ApiKeyCreated", "ApiKeyView"]),
        (typeof(RoleState), ["RoleView"]),
        (typeof(RolePauseResult), ["RoleControlResponse"]),
        (typeof(AllRolesPauseResult), ["RolesControlResponse"]),
        (typeof(DrainResult), ["DrainResponse"]),
        (typeof(AllRolesDrainResult), ["DrainAllResponse"]),
        (typeof(OpsEvent), ["RoleEventView"]),
        (typeof(Inspection), ["InspectResponse"]),
        (typeof(BulkResult), ["BulkActionResponse"]),
        (typeof(BulkItem), ["BulkItemResult"]),
        (typeof(TaskFilter), ["BulkFilterRequest"]),
        (typeof(BulkAction), ["BulkActionRequest"]),
        (typeof(TaskPatch), ["TaskPatchRequest"]),
        (typeof(InspectReason), ["InspectReasonView"]),
        (typeof(Span), ["Span"]),
        (typeof(ServerIndex), ["ServerIndex"]),
        (typeof(IndexLinks), ["IndexLinks"]),
        (typeof(Page<TaskItem>), ["PaginatedTasks"]),
        (typeof(Page<Artifact>), ["PaginatedArtifacts"]),
        (typeof(Page<RunEvent>), ["PaginatedRunEvents"]),
        (typeof(Page<Span>), ["PaginatedSpans"]),
        (typeof(Page<Run>), ["PageRunDetails"]),
        (typeof(Page<ApiKey>), ["PageApiKeyView"]),
        (typeof(Page<OpsEvent>), ["PageRoleEventView"]),
        (typeof(RoleList), ["RoleList"]),
        // The bodies of the methods that take plain parameters, and the small answers they unwrap.
        (typeof(PipelineBody), ["PipelineCreateRequest"]),
        (typeof(BulkTasksBody), ["BulkTaskCreateRequest"]),
        (typeof(DependencyBody), ["DependencyCreateRequest"]),
        (typeof(AssignmentBody), ["AssignmentCreateRequest"]),
        (typeof(ClaimBody), ["LeaseClaimRequest"]),
        (typeof(LeaseConcurrency), ["LeaseConcurrency"]),
        (typeof(HeartbeatBody), ["HeartbeatRequest"]),
        (typeof(EventBody), ["EventCreateRequest"]),
        (typeof(StorePutBody), ["StorePutRequest"]),
        (typeof(CancelBody), ["CancelRequest"]),
        (typeof(RequeueBody), ["RequeueRequest"]),
        (typeof(PauseBody), ["PauseRequest"]),
        (typeof(RolePauseBody), ["RolePauseRequest"]),
        (typeof(DrainBody), ["DrainRequest"]),
        (typeof(KeyBody), ["ApiKeyCreateRequest"]),
        (typeof(IdBody), ["IdResponse"]),
        (typeof(IdsBody), ["BulkTaskCreateResponse"]),
        (typeof(EventIdBody), ["EventIdResponse"]),
        (typeof(StatusBody), ["StatusResponse"]),
        (typeof(ErrorBody), ["ErrorResponse"]),
        (typeof(ErrorDetail), ["ErrorDetail"]),
    ];

    /// <summary>Schemas no client record stands for, and why.</summary>
    private static readonly Dictionary<string, string> NoRecord = new(StringComparer.Ordinal)
    {
        ["PipelineDefinition"] = "a definition is sent as any object or JsonElement and read back as a JsonElement; the server validates it",
        ["PipelineStateDef"] = "part of PipelineDefinition",
        ["PipelineTransitionDef"] = "part of PipelineDefinition",
    };

    private static string Label(Type type) =>
        type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(",", type.GetGenericArguments().Select(Label))}>" : type.Name;

    public static TheoryData<string> Types() => new(Map.Select(m => Label(m.Type)));

    [Fact]
    public async Task EverySchemaOfTheServerHasAClientRecord()
    {
        var document = (await fixture.Api.GetAsync("/openapi.json")).Json;
        var schemas = document.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(p => p.Name).ToList();
        var mapped = Map.SelectMany(m => m.Schemas).ToHashSet(StringComparer.Ordinal);
        schemas.Where(s => !mapped.Contains(s) && !NoRecord.ContainsKey(s)).Should()
            .BeEmpty("every request and answer of /openapi.json has a client record in WireAgreementFacts.Map");
    }

    [Theory]
    [MemberData(nameof(Types))]
    public async Task TheClientRecordReadsExactlyTheSchemasProperties(string typeName)
    {
        var (type, schemas) = Map.Single(m => Label(m.Type) == typeName);
        var document = (await fixture.Api.GetAsync("/openapi.json")).Json;
        var components = document.GetProperty("components").GetProperty("schemas");

        var documented = schemas.SelectMany(s => Properties(components, s)).ToHashSet();
        var read = ClientProperties(type);

        read.Except(documented).Should().BeEmpty($"{type.Name} reads only what {string.Join('+', schemas)} documents");
        documented.Except(read).Should().BeEmpty($"{type.Name} reads everything {string.Join('+', schemas)} documents");
    }

    private static HashSet<string> ClientProperties(Type type)
    {
        var info = WireJson.Options.GetTypeInfo(type);
        return info.Properties.Where(p => !p.IsExtensionData).Select(p => p.Name).ToHashSet(); // InspectReason's evidence: any other field
    }

    /// <summary>A schema's property names, following $ref and allOf.</summary>
    private static IEnumerable<string> Properties(JsonElement components, string name)
    {
        components.TryGetProperty(name, out var schema).Should().BeTrue($"/openapi.json has the schema {name}");
        return Of(components, schema);
    }

    private static IEnumerable<string> Of(JsonElement components, JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var r)) return Properties(components, r.GetString()!.Split('/')[^1]);
        var names = new List<string>();
        if (schema.TryGetProperty("properties", out var p)) names.AddRange(p.EnumerateObject().Select(x => x.Name));
        if (schema.TryGetProperty("allOf", out var all)) foreach (var part in all.EnumerateArray()) names.AddRange(Of(components, part));
        return names;
    }
}
