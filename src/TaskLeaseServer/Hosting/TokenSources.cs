namespace TaskLeaseServer.Hosting;

/// <summary>The API token in effect and where it came from (logged, never the token itself).</summary>
public sealed record ResolvedToken(string? Value, string Source);

/// <summary>
/// Where the API token may come from, first found wins: --token, --token-file, the
/// NULLTICKETS_API_TOKEN environment variable, then the config file's api_token. The file and the
/// variable keep the token out of the process list, where `ps` shows --token (issue 14).
/// </summary>
public static class TokenSources
{
    public const string EnvironmentVariable = "NULLTICKETS_API_TOKEN";

    public static ResolvedToken? Resolve(IReadOnlyDictionary<string, string> flags, Func<string, string?> env,
        string? configToken, out string? problem)
    {
        problem = null;
        var hasFile = flags.TryGetValue("--token-file", out var file);
        if (flags.TryGetValue("--token", out var flag))
        {
            if (hasFile)
            {
                problem = "give either --token or --token-file, not both";
                return null;
            }
            // An empty token could never be presented ("Bearer " loses its trailing space): it means off.
            return flag.Length == 0 ? new ResolvedToken(null, "--token \"\"") : new ResolvedToken(flag, "--token");
        }
        if (hasFile) return FromFile(file!, out problem);
        if (env(EnvironmentVariable) is { Length: > 0 } fromEnv) return new ResolvedToken(fromEnv, EnvironmentVariable);
        return string.IsNullOrEmpty(configToken) ? new ResolvedToken(null, "none") : new ResolvedToken(configToken, "config file");
    }

    private static ResolvedToken? FromFile(string path, out string? problem)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read --token-file {path}: {e.Message}";
            return null;
        }
        // Editors and `echo` end the file with a newline that is not part of the token.
        var token = text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2]
            : text.EndsWith('\n') ? text[..^1] : text;
        if (token.Length == 0)
        {
            // An empty file is a mistake, not a wish to run without a token.
            problem = $"--token-file {path} is empty";
            return null;
        }
        problem = null;
        return new ResolvedToken(token, "--token-file");
    }
}
