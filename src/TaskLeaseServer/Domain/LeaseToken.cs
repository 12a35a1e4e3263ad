using System.Security.Cryptography;

namespace TaskLeaseServer.Domain;

/// <summary>
/// Lease tokens (CONTRACT §3.2): 32 random bytes shown once as 64 lowercase hex characters; only
/// SHA-256 of the raw bytes is ever stored, and stored hashes are compared in constant time.
/// </summary>
public static class LeaseToken
{
    public static (string Token, byte[] Hash) Mint()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        return (Convert.ToHexStringLower(bytes), SHA256.HashData(bytes));
    }

    /// <summary>The hash of a presented token, or null when it is not exactly 64 hex characters.</summary>
    public static byte[]? HashOf(string presented)
    {
        if (presented.Length != 64) return null;
        foreach (var c in presented)
        {
            if (!char.IsAsciiHexDigit(c)) return null;
        }
        return SHA256.HashData(Convert.FromHexString(presented));
    }

    public static bool Matches(byte[] presentedHash, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(presentedHash, storedHash);
}
