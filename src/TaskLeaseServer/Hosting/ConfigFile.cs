using System.Text.Json;

namespace TaskLeaseServer.Hosting;

public sealed class ConfigException(string message) : Exception(message);

/// <summary>
/// The config file's keys (CONTRACT §9.2). A missing default file means all defaults; an explicit
/// --config that is missing is an error. Unlike the reference, an unknown key is an error: a
/// misspelt "api_tokn" silently served everything without a token (issue 14).
/// </summary>
public sealed record ConfigFile(int? Port, string? Db, string? ApiToken, string? Host, long? SweepIntervalMs,
    long? IdempotencyRetentionMs, string? Synchronous, string? LogFormat, long? OtlpRetentionMs, long? MaxBodyBytes = null)
{
    private static readonly ConfigFile Empty = new(null, null, null, null, null, null, null, null, null);

    public static ConfigFile Read(string path, bool mustExist)
    {
        if (!File.Exists(path)) return mustExist ? throw new ConfigException("does not exist") : Empty;
        if (new FileInfo(path).Length > 1 << 20) throw new ConfigException("larger than 1 MiB");
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ConfigException("not valid JSON: " + e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException("cannot be read: " + e.Message);
        }
        if (root.ValueKind != JsonValueKind.Object) throw new ConfigException("must be a JSON object");
        foreach (var property in root.EnumerateObject())
        {
            if (!Flags.ConfigKeys.Contains(property.Name)) throw new ConfigException(Flags.UnknownConfigKey(property.Name));
        }

        var port = Integer(root, "port");
        if (port is < 0 or > 65535) throw new ConfigException("port must be between 0 and 65535");
        return new ConfigFile((int?)port, Text(root, "db"), Text(root, "api_token"), Text(root, "host"),
            Integer(root, "sweep_interval_ms"), Integer(root, "idempotency_retention_ms"), Text(root, "synchronous"),
            Text(root, "log_format"), Integer(root, "otlp_retention_ms"), Integer(root, "max_body_bytes"));
    }

    private static string? Text(JsonElement root, string key) =>
        !root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString() : throw new ConfigException($"\"{key}\" must be a string");

    private static long? Integer(JsonElement root, string key) =>
        !root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : throw new ConfigException($"\"{key}\" must be an integer");
}
