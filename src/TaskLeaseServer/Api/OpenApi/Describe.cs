using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api.OpenApi;

/// <summary>Endpoint metadata: query parameters the handler reads by hand.</summary>
public sealed record QueryParameters(IReadOnlyList<string> Names);

/// <summary>
/// Endpoint metadata: the request body's shape, for the document only. (ASP.NET's own Accepts
/// metadata would make routing refuse other Content-Types, and the contract parses bodies whatever
/// their Content-Type.)
/// </summary>
public sealed record RequestShape(Type Type);

/// <summary>
/// Endpoint metadata: the route takes a lease token. In API-token mode the API layer lets any bearer
/// through to it and its handler checks the lease token (OperationCatalog must say Auth.LeaseToken; a test checks).
/// </summary>
public sealed record LeaseTokenAuth;

/// <summary>Endpoint metadata: the route needs no token in API-token mode (/, /health, the OpenAPI document).</summary>
public sealed record OpenRoute;

/// <summary>
/// Endpoint metadata: the handler checks the bearer itself (a lease token, or a run's events read
/// that takes the API token or that run's lease token), so the API layer only asks for some bearer.
/// </summary>
public sealed record TokenCheckedByHandler;

/// <summary>Endpoint metadata: the scope a key needs for this route, where the default rule does not fit.</summary>
public sealed record RequiredScope(ApiScope Scope);

/// <summary>
/// Which scope each route needs (EXTENSIONS §13), the one place that says it: a route marked
/// <see cref="RequiredScope"/> needs that; otherwise every GET needs read and every other method
/// operator. Open routes need nothing and lease routes take their lease token (null for both).
/// </summary>
public static class RouteScopes
{
    public static ApiScope? Of(string method, EndpointMetadataCollection route)
    {
        if (route.GetMetadata<OpenRoute>() is not null || route.GetMetadata<LeaseTokenAuth>() is not null) return null;
        if (route.GetMetadata<RequiredScope>() is { } required) return required.Scope;
        return method == "GET" ? ApiScope.Read : ApiScope.Operator;
    }
}

/// <summary>
/// Route annotations for the OpenAPI document, so each route's block in Api/*.cs reads as its
/// contract: what it accepts, what it answers, which errors it can give.
/// </summary>
public static class Describe
{
    public static RouteHandlerBuilder Accepts<T>(this RouteHandlerBuilder route) =>
        route.WithMetadata(new RequestShape(typeof(T)));

    public static RouteHandlerBuilder Answers<T>(this RouteHandlerBuilder route, int status = 200) =>
        route.Produces<T>(status, "application/json");

    public static RouteHandlerBuilder AnswersEmpty(this RouteHandlerBuilder route, int status = 204) =>
        route.Produces(status);

    public static RouteHandlerBuilder Errors(this RouteHandlerBuilder route, params int[] statuses)
    {
        foreach (var status in statuses) route.Produces<ErrorResponse>(status, "application/json");
        return route;
    }

    public static RouteHandlerBuilder Query(this RouteHandlerBuilder route, params string[] names) =>
        route.WithMetadata(new QueryParameters(names));

    public static RouteHandlerBuilder LeaseToken(this RouteHandlerBuilder route) =>
        route.WithMetadata(new LeaseTokenAuth(), new TokenCheckedByHandler());

    public static RouteHandlerBuilder ChecksItsOwnToken(this RouteHandlerBuilder route) =>
        route.WithMetadata(new TokenCheckedByHandler());

    /// <summary>Agents' own writes (claim, artifacts, store, trace ingest) and live streams: the agent scope.</summary>
    public static RouteHandlerBuilder ForAgents(this RouteHandlerBuilder route) =>
        route.WithMetadata(new RequiredScope(ApiScope.Agent));

    /// <summary>Key management: the admin scope.</summary>
    public static RouteHandlerBuilder ForAdmins(this RouteHandlerBuilder route) =>
        route.WithMetadata(new RequiredScope(ApiScope.Admin));

    public static RouteHandlerBuilder Open(this RouteHandlerBuilder route) =>
        route.WithMetadata(new OpenRoute());
}
