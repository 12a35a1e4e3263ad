namespace TaskLeaseServer.Client;

/// <summary>
/// The server route a client method calls, as <c>/openapi.json</c> names it ("GET /tasks/{id}").
/// A black-box test reads the running server's document and fails when a route has no method,
/// a paginated list has no <c>IAsyncEnumerable</c> method, or a method names a route the server lacks.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class WireRouteAttribute(string route) : Attribute
{
    public string Route { get; } = route;
}
