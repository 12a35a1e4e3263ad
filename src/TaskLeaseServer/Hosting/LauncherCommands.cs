using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TaskLeaseServer.Hosting;

/// <summary>
/// The two first-argument commands the nullhub launcher uses (CONTRACT §9.1): print a manifest
/// describing the server, or bootstrap a config file from a JSON object.
/// </summary>
public static class LauncherCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, IndentSize = 2 };

    /// <summary>The command's result, or null when the first argument names neither command.</summary>
    public static Startup? Run(string[] args, Func<string, string?> env) =>
        args.FirstOrDefault() switch
        {
            "--export-manifest" => new Startup(null, 0, Manifest()),
            "--from-json" => args.Length < 2
                ? new Startup(null, 1, Error: "error: --from-json needs a JSON object argument")
                : FromJson(args[1], env),
            _ => null,
        };

    private static string Manifest() => new JsonObject
    {
        ["schema_version"] = 1,
        ["name"] = "nulltickets",
        ["display_name"] = "NullTickets",
        ["description"] = $"{ServerInfo.Name} v{ServerInfo.Version}: durable tasks and leases for AI agents",
        ["health"] = new JsonObject { ["endpoint"] = "/health" },
        ["ports"] = new JsonArray(new JsonObject { ["name"] = "api", ["config_key"] = "port", ["default"] = 7700 }),
        ["wizard"] = new JsonObject
        {
            ["steps"] = new JsonArray(
                new JsonObject { ["id"] = "port", ["label"] = "API port", ["type"] = "number", ["default"] = 7700 },
                new JsonObject { ["id"] = "api_token", ["label"] = "API token", ["type"] = "secret", ["optional"] = true },
                new JsonObject { ["id"] = "db_path", ["label"] = "Database file", ["type"] = "path", ["default"] = "nulltickets.db" }),
        },
    }.ToJsonString();

    private static Startup FromJson(string text, Func<string, string?> env)
    {
        JsonObject input;
        try
        {
            input = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("expected a JSON object");
        }
        catch (JsonException e)
        {
            return new Startup(null, 1, Error: "error: --from-json: " + e.Message);
        }

        var home = input["home"] is JsonValue h && h.TryGetValue<string>(out var homeText) ? homeText
            : env("NULLTICKETS_HOME") is { Length: > 0 } envHome ? envHome
            : env("HOME") is { Length: > 0 } user ? Path.Combine(user, ".nulltickets")
            : null;
        if (home is null) return new Startup(null, 1, Error: "error: --from-json: no \"home\" given and HOME is not set");

        var config = new JsonObject
        {
            ["port"] = Port(input["port"]),
            ["db"] = input["db_path"] is JsonValue d && d.TryGetValue<string>(out var db) ? db : "nulltickets.db",
        };
        if (input["api_token"] is JsonValue t && t.TryGetValue<string>(out var token)) config["api_token"] = token;

        try
        {
            Directory.CreateDirectory(home);
            File.WriteAllText(Path.Combine(home, "config.json"), config.ToJsonString(Indented) + "\n", new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new Startup(null, 1, Error: $"error: --from-json: cannot write {home}/config.json: {e.Message}");
        }
        return new Startup(null, 0, """{"status":"ok"}""");
    }

    /// <summary>An integer 0-65535 or a numeric string holding one; anything else is the default.</summary>
    private static int Port(JsonNode? node)
    {
        if (node is not JsonValue value) return 7700;
        if (value.TryGetValue<long>(out var n)) return n is >= 0 and <= 65535 ? (int)n : 7700;
        return value.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 65535
            ? p : 7700;
    }
}
