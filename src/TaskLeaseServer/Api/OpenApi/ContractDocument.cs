using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using TaskLeaseServer.Api.Wire;

namespace TaskLeaseServer.Api.OpenApi;

/// <summary>
/// Finishes the generated document the way the contract describes it (§8.2): schema names, query
/// parameters, shared error responses, and the flat TaskDetails shape (written by a converter, so not
/// visible to reflection). Summaries, errors, examples and security come after, from DocumentPolish.
/// </summary>
public sealed class ContractDocument : IDocumentFilter
{
    private static readonly Dictionary<Type, string> Names = new()
    {
        [typeof(TaskView)] = "Task",
        [typeof(Page<TaskView>)] = "PaginatedTasks",
        [typeof(Page<RunEvent>)] = "PaginatedRunEvents",
        [typeof(Page<Artifact>)] = "PaginatedArtifacts",
        [typeof(SpanView)] = "Span",
        [typeof(Page<SpanView>)] = "PaginatedSpans",
    };

    /// <summary>The operation's extension naming the scope an API key needs for it.</summary>
    public const string ScopeExtension = "x-required-scope";

    /// <summary>Schema ids: the contract's names, the C# name otherwise.</summary>
    public static string SchemaId(Type type) =>
        Names.TryGetValue(type, out var name) ? name
        : type.IsGenericType ? type.Name[..type.Name.IndexOf('`')] + string.Concat(type.GetGenericArguments().Select(SchemaId))
        : type.Name;

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Responses ??= new Dictionary<string, IOpenApiResponse>();
        foreach (var (status, text) in new[] { (400, "Bad request"), (401, "Unauthorized"), (404, "Not found"), (409, "Conflict"), (410, "Lease expired") })
        {
            document.Components.Responses[$"Error{status}"] = new OpenApiResponse
            {
                Description = text,
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    ["application/json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(nameof(ErrorResponse), document) },
                },
            };
        }

        foreach (var api in context.ApiDescriptions)
        {
            var path = "/" + api.RelativePath!.TrimEnd('/');
            if (!document.Paths.TryGetValue(path, out var item) || item.Operations is null) continue;
            var operation = item.Operations.FirstOrDefault(o => string.Equals(o.Key.ToString(), api.HttpMethod, StringComparison.OrdinalIgnoreCase)).Value;
            if (operation is null) continue;
            var metadata = api.ActionDescriptor.EndpointMetadata;
            // The scope a key needs, from the same rule the token check applies (DocumentPolish words it).
            if (RouteScopes.Of(api.HttpMethod!, new EndpointMetadataCollection(metadata)) is { } scope)
            {
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                operation.Extensions[ScopeExtension] = new JsonNodeExtension(System.Text.Json.Nodes.JsonValue.Create(Domain.ApiKey.NameOf(scope)));
            }
            foreach (var query in metadata.OfType<QueryParameters>().SelectMany(q => q.Names))
            {
                operation.Parameters ??= new List<IOpenApiParameter>();
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = query, In = ParameterLocation.Query, Required = false,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
            if (metadata.OfType<RequestShape>().FirstOrDefault() is { } shape)
            {
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, IOpenApiMediaType>
                    {
                        ["application/json"] = new OpenApiMediaType { Schema = context.SchemaGenerator.GenerateSchema(shape.Type, context.SchemaRepository) },
                    },
                };
            }
        }

        FlattenTaskDetails(document);
        AllowUnknownProperties(document);
    }

    /// <summary>
    /// Clients ignore unknown properties and the server ignores them in requests (CONTRACT §1.5), so
    /// no schema forbids them: new optional fields are how the API grows.
    /// </summary>
    private static void AllowUnknownProperties(OpenApiDocument document)
    {
        foreach (var schema in document.Components!.Schemas?.Values.OfType<OpenApiSchema>() ?? [])
        {
            schema.AdditionalPropertiesAllowed = true;
        }
    }

    private static void FlattenTaskDetails(OpenApiDocument document)
    {
        var schemas = document.Components!.Schemas;
        if (schemas is null || !schemas.ContainsKey(nameof(TaskDetails))) return;
        schemas[nameof(TaskDetails)] = new OpenApiSchema
        {
            Description = "Every Task field, then these; latest_run is omitted (not null) for a task never claimed.",
            AllOf = new List<IOpenApiSchema>
            {
                new OpenApiSchemaReference("Task", document),
                new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "dependencies", "assignments", "available_transitions" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["latest_run"] = new OpenApiSchemaReference(nameof(Run), document),
                        ["dependencies"] = ArrayOf(nameof(Dependency), document),
                        ["assignments"] = ArrayOf(nameof(TaskAssignment), document),
                        ["available_transitions"] = ArrayOf(nameof(AvailableTransition), document),
                    },
                },
            },
        };
    }

    private static OpenApiSchema ArrayOf(string schema, OpenApiDocument document) =>
        new() { Type = JsonSchemaType.Array, Items = new OpenApiSchemaReference(schema, document) };
}
