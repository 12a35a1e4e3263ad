namespace TaskLeaseServer.Api.Http;

/// <summary>
/// A request that cannot be served as asked: one HTTP status, one contract error code (CONTRACT §2)
/// and a message that tells the caller what to fix. Thrown anywhere; turned into the error envelope
/// in exactly one place (Api/Http/Reply).
/// </summary>
public sealed class ApiError(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;

    public static ApiError InvalidJson(string message) => new(400, "invalid_json", message);
    /// <summary>A well-formed body or query the extension routes refuse (EXTENSIONS §0: wrong type, out of range, unknown field).</summary>
    public static ApiError InvalidRequest(string message) => new(400, "invalid_request", message);
    public static ApiError NotFound(string message) => new(404, "not_found", message);
    public static ApiError Unauthorized(string message) => new(401, "unauthorized", message);
    public static ApiError Forbidden(string message) => new(403, "forbidden", message);
    public static ApiError InvalidLimit(string message) => new(400, "invalid_limit", message);
    public static ApiError InvalidCursor(string message) => new(400, "invalid_cursor", message);
}
