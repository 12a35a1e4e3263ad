namespace TaskLeaseServer.Api.OpenApi;

/// <summary>Which bearer an operation takes (the document's security requirement).</summary>
public enum Auth
{
    /// <summary>Never needs a token.</summary>
    Open,

    /// <summary>The API token, when the server runs with one.</summary>
    ApiToken,

    /// <summary>The lease token from the claim, always.</summary>
    LeaseToken,

    /// <summary>The API token or the run's own lease token, when the server runs with an API token.</summary>
    ApiOrLeaseToken,
}

/// <summary>A query parameter as the document describes it.</summary>
/// <param name="Type">JSON schema type: "string" or "integer".</param>
/// <param name="Example">The value the walk-through sends; null for none.</param>
public sealed record QueryDoc(string Name, string Type, string Description, string? Example = null, bool Required = false,
    string? Pattern = null, long? Minimum = null, long? Maximum = null);

/// <summary>
/// What the document says about one operation, kept here rather than on the route blocks in
/// Api/*.cs so the handlers stay short. Examples are one walk-through: sent top to bottom on a fresh
/// server, each one succeeds once the example ids are replaced by the ids the server answered
/// (the ids in <see cref="ResponseExample"/>s reappear in later requests).
/// </summary>
public sealed record OperationDoc(string Tag, string Summary, string Description)
{
    public Auth Auth { get; init; } = Auth.ApiToken;

    /// <summary>Error status → which codes it carries and why.</summary>
    public IReadOnlyDictionary<int, string> Errors { get; init; } = new Dictionary<int, string>();

    /// <summary>The request body example (JSON text); null when the operation takes no body.</summary>
    public string? Body { get; init; }

    /// <summary>The body may be left out (the heartbeat's).</summary>
    public bool BodyOptional { get; init; }

    /// <summary>Path parameter → example value (unescaped: clients percent-encode it).</summary>
    public IReadOnlyDictionary<string, string> Path { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<QueryDoc> Query { get; init; } = [];

    /// <summary>The success answer's example (JSON text), where later examples use its ids.</summary>
    public string? ResponseExample { get; init; }
}
