using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>A token-mode server with a live lease, and its document.</summary>
public sealed class FuzzServer : ServerFixture
{
    public const string Token = "fuzz-api-token";

    protected override ServerOptions Options => new() { Token = Token };

    public JsonElement Document { get; private set; }
    public string PipelineId { get; private set; } = "";
    public string TaskId { get; private set; } = "";
    public Lease Lease { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var pipeline = await Api.CreatePipelineAsync();
        PipelineId = pipeline.Id;
        TaskId = await Api.CreateTaskAsync(pipeline.Id);
        Lease = await Api.ClaimOneAsync(pipeline.WorkRole);
        Document = (await Api.GetAsync("/openapi.json")).Json.Clone();
    }
}

/// <summary>
/// Every operation of /openapi.json, sent generated bad inputs against the real process (issue 14
/// item 11c): wrong types, missing required fields, huge and fractional integers, hostile bodies,
/// query values, path segments and non-UTF-8 headers. None may get a 5xx, every refusal carries the
/// error envelope, and a body that breaks the request schema is a 4xx.
/// </summary>
public sealed class DocumentFuzzFacts(FuzzServer server) : IClassFixture<FuzzServer>
{
    private sealed record Operation(string Method, string Route, JsonElement Spec)
    {
        public override string ToString() => Method + " " + Route;
    }

    /// <summary>Every operation but the event streams: they never end by design (their bad inputs are StreamFacts').</summary>
    private IEnumerable<Operation> Operations() =>
        server.Document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(op => new Operation(op.Name.ToUpperInvariant(), p.Name, op.Value)))
            .Where(op => !op.Route.EndsWith("/stream", StringComparison.Ordinal));

    [Fact]
    public async Task BadBodies_AreRefusedWithTheEnvelope_OnEveryOperationThatTakesOne()
    {
        var sent = 0;
        foreach (var op in Operations().Where(o => o.Spec.TryGetProperty("requestBody", out _)))
        {
            var body = op.Spec.GetProperty("requestBody");
            var optional = !body.GetProperty("required").GetBoolean();
            var json = body.GetProperty("content").GetProperty("application/json");
            var example = (JsonObject)JsonNode.Parse(json.GetProperty("example").GetRawText())!;
            var cases = BadInputs.WrongFields(server.Document, json.GetProperty("schema"), example)
                .Select(c => (c.What, Bytes: Encoding.UTF8.GetBytes(c.Body))).Concat(BadInputs.HostileBodies());
            foreach (var (what, bytes) in cases)
            {
                var response = await Send(op, Target(op), bytes);
                Check(response, $"{op} with {what}", mustRefuse: !optional);
                sent++;
            }
        }
        sent.Should().BeGreaterThan(300);
    }

    [Fact]
    public async Task HostileQueryValues_AndPathSegments_NeverGetA5xx()
    {
        foreach (var op in Operations())
        {
            var parameters = op.Spec.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray().ToList() : [];
            foreach (var query in parameters.Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()))
            {
                foreach (var value in BadInputs.HostileQueryValues)
                    Check(await Send(op, Target(op) + (op.Route == "/store/search" && query != "q" ? "?q=x&" : "?") + query + "=" + value, null),
                        $"{op} with {query}={value[..Math.Min(20, value.Length)]}", mustRefuse: false);
            }
            foreach (var segment in parameters.Where(p => p.GetProperty("in").GetString() == "path").Select(p => p.GetProperty("name").GetString()!))
            {
                foreach (var value in BadInputs.HostileSegments)
                    Check(await Send(op, Target(op, (segment, value)), BadBody(op)), $"{op} with {segment}={value[..Math.Min(20, value.Length)]}", mustRefuse: false);
            }
        }
    }

    [Fact]
    public async Task NonUtf8HeaderBytes_GetTheContractsAnswer_OnEveryOperation()
    {
        foreach (var op in Operations())
        {
            var open = op.Spec.GetProperty("security").GetArrayLength() == 0;
            var garbled = await RawHttp.SendAsync(server.Port, op.Method, Target(op), BadBody(op),
                [("Authorization", "Bearer \u00e9\u00ff"), ("X-Note", "\u00f3L"), ("Idempotency-Key", "\u00f3L")]);
            if (open) Expect.Status(garbled, 200);
            else Expect.Error(garbled, 401, "unauthorized");

            var noted = await Send(op, Target(op), BadBody(op), ("X-Note", "\u00f3L"), ("Idempotency-Key", "k-\u00e9\u00ff"));
            Check(noted, $"{op} with non-UTF-8 X-Note and Idempotency-Key", mustRefuse: BadBody(op) is not null);
        }
    }

    /// <summary>A body the operation's schema refuses (it lacks every required field), for requests that test something else.</summary>
    private byte[]? BadBody(Operation op) => HasRequiredFields(op) ? "{\"unknown\":1}"u8.ToArray() : null;

    private bool HasRequiredFields(Operation op) =>
        op.Spec.TryGetProperty("requestBody", out var body) && body.GetProperty("required").GetBoolean() &&
        BadInputs.Resolve(server.Document, body.GetProperty("content").GetProperty("application/json").GetProperty("schema"))
            .TryGetProperty("required", out _);

    /// <summary>The route with real ids where a live one matters (a lease route checks the lease before the body).</summary>
    private string Target(Operation op, (string Name, string Value)? replace = null)
    {
        var target = op.Route;
        foreach (var parameter in op.Spec.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray() : default)
        {
            if (parameter.GetProperty("in").GetString() != "path") continue;
            var name = parameter.GetProperty("name").GetString()!;
            var value = replace is { } r && r.Name == name ? r.Value
                : name != "id" ? Uri.EscapeDataString(parameter.GetProperty("example").GetString()!)
                : op.Route.StartsWith("/runs", StringComparison.Ordinal) ? server.Lease.RunId
                : op.Route.StartsWith("/leases", StringComparison.Ordinal) ? server.Lease.LeaseId
                : op.Route.StartsWith("/pipelines", StringComparison.Ordinal) ? server.PipelineId
                : server.TaskId;
            target = target.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }
        return target;
    }

    /// <summary>With the bearer the operation takes, and a JSON Content-Type (the OTLP routes read it).</summary>
    private Task<ApiResponse> Send(Operation op, string target, byte[]? body, params (string, string)[] extra)
    {
        var schemes = op.Spec.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToList();
        var headers = new List<(string, string)> { ("Content-Type", "application/json") };
        if (schemes.Contains("apiToken")) headers.Add(("Authorization", "Bearer " + FuzzServer.Token));
        else if (schemes.Contains("bearerAuth")) headers.Add(("Authorization", "Bearer " + server.Lease.Token));
        headers.AddRange(extra);
        return RawHttp.SendAsync(server.Port, op.Method, target, body ?? (op.Method == "GET" ? null : []), headers);
    }

    private static void Check(ApiResponse response, string what, bool mustRefuse)
    {
        response.Status.Should().BeLessThan(500, "{0} is the client's fault ({1})", what, response);
        response.ContentType.Should().Be("application/json", what);
        if (mustRefuse) response.Status.Should().BeInRange(400, 499, "{0} breaks the request schema ({1})", what, response);
        if (response.Status >= 400) Expect.ErrorEnvelope(response);
    }
}
