using System.Text.Json;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

/// <summary>
/// Scoped API keys (EXTENSIONS §13), under the admin scope. Keys exist only beside the bootstrap
/// token: on a server without one every route is open and creating a key is refused, so nobody can
/// lock themselves out. Creating a key takes no Idempotency-Key: a recorded answer would keep the
/// key itself at rest.
/// </summary>
internal static class KeysApi
{
    private const int MaxNameLength = 200;

    public static void MapKeys(this IEndpointRouteBuilder app)
    {
        var keys = app.MapResource("/ops/keys");
        keys.MapPost("", Create).ForAdmins().WithMetadata(new NoIdempotency()).Accepts<ApiKeyCreateRequest>()
            .Answers<ApiKeyCreated>(201).Errors(400, 403, 409);
        keys.MapGet("", List).ForAdmins().Query("limit", "cursor").Answers<Page<ApiKeyView>>().Errors(400, 403);
        keys.MapDelete("/{id}", Revoke).ForAdmins().Answers<StatusResponse>().Errors(403, 404);
    }

    private static Task<Reply> Create(HttpContext http, Writes writes, ApiTokenAuth auth, TimeProvider time)
    {
        if (!auth.Enabled)
            throw new ApiError(409, "auth_not_configured", "start the server with --token to use keys (without a token every route is open)");
        var body = JsonBody.Parse(RequestBody.Of(http));
        var name = body.RequiredString("name");
        if (name.Trim().Length == 0 || name.Length > MaxNameLength)
            throw new ApiError(400, "invalid_request", $"`name` must be 1..{MaxNameLength} characters and not only spaces");
        if (name is "token" or "anonymous")
            throw new ApiError(400, "invalid_request", $"`name` \"{name}\" is reserved for the bootstrap token's and an open server's events; pick another");
        var scopes = Scopes(body);
        var expires = body.OptionalLong("expires_at_ms");
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (expires is { } at && at <= now)
            throw new ApiError(400, "invalid_request", $"`expires_at_ms` {at} is not in the future (now is {now}); leave it out for a key that never expires");

        var (key, hash) = ApiKey.Mint();
        var row = new ApiKeyRow
        {
            Id = Ids.New(), Name = name, Scopes = string.Join(',', scopes), KeyHash = hash, CreatedAtMs = now, ExpiresAtMs = expires,
        };
        return writes.Run(http, unit => unit.Keys.TryInsert(row)
            ? Reply.Created(new ApiKeyCreated(row.Id, name, scopes, key, now, expires), WireJson.Wire.ApiKeyCreated)
            : throw new ApiError(409, "duplicate_name", $"a key named \"{name}\" exists; names are unique (they are the actor of events)"));
    }

    /// <summary>Known scope names, each once, in the order sent.</summary>
    private static List<string> Scopes(JsonBody body)
    {
        var scopes = new List<string>();
        foreach (var item in body.RequiredArray("scopes").EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) throw body.Wrong("scopes", "an array of scope names");
            var name = item.GetString()!;
            if (ApiKey.Parse(name) is null)
                throw new ApiError(400, "invalid_request", $"unknown scope \"{name}\": use {string.Join(", ", ApiKey.ScopeNames)}");
            if (!scopes.Contains(name)) scopes.Add(name);
        }
        if (scopes.Count == 0) throw new ApiError(400, "invalid_request", "`scopes` is empty; name at least one of " + string.Join(", ", ApiKey.ScopeNames));
        return scopes;
    }

    private static Reply List(HttpContext http, IReads reads)
    {
        var limit = Query.Limit(http, 100);
        var after = Cursor.ParseTimeAndId(Query.Value(http, "cursor"));
        return Paging.Reply(reads.ApiKeys(after, limit),
            k => new ApiKeyView(k.Id, k.Name, k.Scopes.Split(','), k.CreatedAtMs, k.ExpiresAtMs, k.LastUsedAtMs),
            k => Cursor.Of(k.CreatedAtMs, k.Id), WireJson.Wire.PageApiKeyView);
    }

    private static Task<Reply> Revoke(string id, HttpContext http, Writes writes) =>
        writes.Run(http, unit => unit.Keys.Delete(id)
            ? Reply.Ok(new StatusResponse("revoked"), WireJson.Wire.StatusResponse)
            : throw ApiError.NotFound($"no such key: \"{id}\""));
}
