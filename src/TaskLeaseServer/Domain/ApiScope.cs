using System.Security.Cryptography;
using System.Text;

namespace TaskLeaseServer.Domain;

/// <summary>What an API key may do (EXTENSIONS §13); each scope includes every one below it.</summary>
public enum ApiScope
{
    Read = 0,
    Agent = 1,
    Operator = 2,
    Admin = 3,
}

/// <summary>
/// Scoped API keys: "tlk_" and 32 random bytes in base64url, shown once. Only SHA-256 of the whole
/// key is stored. A plain hash is enough (no salt, no slow KDF) because the key is 256 bits of
/// randomness, not a password: nothing shorter than the key itself can be guessed from the hash,
/// and a fast hash lets every request be checked by one indexed lookup.
/// </summary>
public static class ApiKey
{
    public const string Prefix = "tlk_";

    private static readonly string[] Names = ["read", "agent", "operator", "admin"];

    public static (string Key, byte[] Hash) Mint()
    {
        var key = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (key, HashOf(key));
    }

    /// <summary>Whether a bearer value has a key's shape at all (anything else is never looked up).</summary>
    public static bool LooksLikeKey(string bearer) => bearer.StartsWith(Prefix, StringComparison.Ordinal) && bearer.Length == Prefix.Length + 43;

    public static byte[] HashOf(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static IReadOnlyList<string> ScopeNames => Names;

    public static string NameOf(ApiScope scope) => Names[(int)scope];

    public static ApiScope? Parse(string name) => Array.IndexOf(Names, name) is var i and >= 0 ? (ApiScope)i : null;

    /// <summary>The widest of the stored scope names: a key's power is its highest scope.</summary>
    public static ApiScope Highest(IEnumerable<string> names) =>
        names.Select(Parse).Where(s => s is not null).Select(s => s!.Value).DefaultIfEmpty(ApiScope.Read).Max();
}
