using System.Text.Json.Nodes;

namespace TaskLeaseServer.Api.OpenApi;

/// <summary>
/// Finishes the serialised document from <see cref="OperationCatalog"/>: tags by resource, summaries,
/// what each error status means, examples, the bearer each operation takes, and the request shapes
/// reflection cannot see (required <c>q</c>, a non-empty <c>tasks</c>, nullable objects, cursor formats).
/// Works on the JSON rather than the object model so each fix is one readable line.
/// </summary>
public static class DocumentPolish
{
    public const string ApiTokenScheme = "apiToken";
    public const string LeaseTokenScheme = "bearerAuth";

    public static void Apply(JsonObject doc)
    {
        doc["tags"] = new JsonArray([.. OperationCatalog.Tags.Select(t => new JsonObject { ["name"] = t.Name, ["description"] = t.Description })]);
        var components = (JsonObject)doc["components"]!;
        components["securitySchemes"] = new JsonObject
        {
            [ApiTokenScheme] = Scheme("The operator's API token (`--token`, every scope) or an API key from `POST /ops/keys` (`tlk_…`, its scopes), needed only when the server runs with a token."),
            [LeaseTokenScheme] = Scheme("The `lease_token` from `POST /leases/claim`, on the lease's heartbeat and release and on the run's events, transition and fail."),
        };
        foreach (var (route, item) in (JsonObject)doc["paths"]!)
        {
            foreach (var (method, operation) in (JsonObject)item!)
            {
                if (OperationCatalog.Find(method, route) is { } described) Describe((JsonObject)operation!, described);
            }
        }
        FixSchemas((JsonObject)components["schemas"]!);
    }

    private static JsonObject Scheme(string description) =>
        new() { ["type"] = "http", ["scheme"] = "bearer", ["bearerFormat"] = "token", ["description"] = description };

    private static void Describe(JsonObject operation, OperationDoc doc)
    {
        operation["tags"] = new JsonArray(doc.Tag);
        operation["summary"] = doc.Summary;
        var scope = operation[ContractDocument.ScopeExtension]?.GetValue<string>();
        operation["description"] = scope is null || doc.Auth != Auth.ApiToken
            ? doc.Description
            : doc.Description + $" Needs the token, or an API key with the `{scope}` scope or wider.";
        operation["security"] = doc.Auth switch
        {
            Auth.Open => new JsonArray(),
            Auth.LeaseToken => new JsonArray(Requirement(LeaseTokenScheme)),
            Auth.ApiOrLeaseToken => new JsonArray(Requirement(ApiTokenScheme), Requirement(LeaseTokenScheme)),
            _ => new JsonArray(Requirement(ApiTokenScheme)),
        };
        DescribeResponses(operation, doc);
        DescribeParameters(operation, doc);
        DescribeBody(operation, doc);
    }

    private static JsonObject Requirement(string scheme) => new() { [scheme] = new JsonArray() };

    private static void DescribeResponses(JsonObject operation, OperationDoc doc)
    {
        var responses = (JsonObject)(operation["responses"] ??= new JsonObject());
        var errors = new Dictionary<int, string>(doc.Errors);
        if (doc.Auth == Auth.ApiToken) errors.TryAdd(401, OperationCatalog.ApiTokenUnauthorized);
        if (doc.Auth == Auth.ApiToken && operation[ContractDocument.ScopeExtension]?.GetValue<string>() is { } scope and not "read")
            errors.TryAdd(403, $"`forbidden`: the API key lacks the `{scope}` scope.");
        foreach (var (status, text) in errors.OrderBy(e => e.Key))
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var response = (JsonObject)(responses[key] ??= new JsonObject
            {
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/ErrorResponse" } } },
            });
            response["description"] = text;
        }
        if (doc.ResponseExample is null) return;
        var success = responses.First(r => r.Key.StartsWith('2') && r.Value?["content"] is not null).Value!;
        success["content"]!["application/json"]!["example"] = JsonNode.Parse(doc.ResponseExample);
    }

    private static void DescribeParameters(JsonObject operation, OperationDoc doc)
    {
        var kept = new JsonArray();
        var described = doc.Query.Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var parameter in operation["parameters"]?.AsArray() ?? [])
        {
            // A query parameter the catalog names is rebuilt below with its type, example and limits.
            if (parameter!["in"]!.GetValue<string>() == "query" && described.Contains(parameter["name"]!.GetValue<string>())) continue;
            var name = parameter["name"]!.GetValue<string>();
            if (doc.Path.TryGetValue(name, out var example)) parameter["example"] = example;
            kept.Add(parameter.DeepClone());
        }
        foreach (var query in doc.Query)
        {
            var schema = new JsonObject { ["type"] = query.Type };
            if (query.Pattern is not null) schema["pattern"] = query.Pattern;
            if (query.Minimum is { } min) schema["minimum"] = min;
            if (query.Maximum is { } max) schema["maximum"] = max;
            var parameter = new JsonObject
            {
                ["name"] = query.Name, ["in"] = "query", ["description"] = query.Description, ["required"] = query.Required, ["schema"] = schema,
            };
            if (query.Example is not null) parameter["example"] = query.Type == "integer" ? long.Parse(query.Example, System.Globalization.CultureInfo.InvariantCulture) : query.Example;
            kept.Add(parameter);
        }
        if (kept.Count > 0) operation["parameters"] = kept;
        else operation.Remove("parameters");
    }

    private static void DescribeBody(JsonObject operation, OperationDoc doc)
    {
        if (doc.Body is null) return;
        var body = (JsonObject)(operation["requestBody"] ??= new JsonObject
        {
            // Only the OTLP routes come here without a shape: their body is an OTLP request, not one of ours.
            ["content"] = new JsonObject
            {
                ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object", ["description"] = "OTLP ExportTraceServiceRequest, JSON form" } },
                ["application/x-protobuf"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string", ["contentMediaType"] = "application/x-protobuf" } },
            },
        });
        body["required"] = !doc.BodyOptional;
        body["content"]!["application/json"]!["example"] = JsonNode.Parse(doc.Body);
    }

    /// <summary>What the handlers accept that the C# records cannot say.</summary>
    private static void FixSchemas(JsonObject schemas)
    {
        schemas["BulkTaskCreateRequest"]!["properties"]!["tasks"]!["minItems"] = 1;
        Nullable(schemas, "TaskCreateRequest", "retry_policy", "RetryPolicy");
        Nullable(schemas, "LeaseClaimRequest", "concurrency", "LeaseConcurrency");
        schemas["LeaseConcurrency"]!["properties"]!["per_state"] = new JsonObject
        {
            ["type"] = new JsonArray("null", "object"),
            ["additionalProperties"] = new JsonObject { ["type"] = "number" },
            ["description"] = "Stage name → how many tasks in a stage of that name (in any pipeline) may be leased at once. " +
                              "A fraction is truncated; 0, a negative number or a value that is not a number means no limit.",
        };
        foreach (var (page, format) in new[] { ("PaginatedTasks", "`<created_at_ms>:<id>`"), ("PaginatedArtifacts", "`<created_at_ms>:<id>`"),
                     ("PaginatedRunEvents", "an event id in decimal"), ("PaginatedSpans", "a span id in decimal") })
        {
            if (schemas[page]?["properties"]?["next_cursor"] is JsonObject cursor)
                cursor["description"] = $"Pass as `cursor` for the next page; null on the last page. Format: {format}.";
        }
    }

    private static void Nullable(JsonObject schemas, string schema, string property, string target) =>
        schemas[schema]!["properties"]![property] = new JsonObject
        {
            ["anyOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + target }, new JsonObject { ["type"] = "null" }),
        };
}
