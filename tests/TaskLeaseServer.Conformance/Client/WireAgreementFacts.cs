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
    ];

    public static TheoryData<string> Types() => new(Map.Select(m => m.Type.Name));

    [Theory]
    [MemberData(nameof(Types))]
    public async Task TheClientRecordReadsExactlyTheSchemasProperties(string typeName)
    {
        var (type, schemas) = Map.Single(m => m.Type.Name == typeName);
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
        return info.Properties.Select(p => p.Name).ToHashSet();
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
