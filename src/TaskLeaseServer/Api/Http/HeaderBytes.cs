using System.Text;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// The bytes a header value arrived as. Kestrel decodes header values as Latin-1 (see
/// ServerComposition), so every char is one byte and Latin-1 gives the bytes back exactly; a value
/// with a char above U+00FF did not come through that decoding (the in-memory test host) and is
/// taken as UTF-8. Comparing bytes keeps "compared byte-for-byte" true: a UTF-8 token matches
/// only the same UTF-8 bytes, never a Latin-1 byte that happens to name the same letter.
/// </summary>
public static class HeaderBytes
{
    public static byte[] Of(string value) =>
        value.AsSpan().ContainsAnyExceptInRange('\0', '\u00FF') ? Encoding.UTF8.GetBytes(value) : Encoding.Latin1.GetBytes(value);
}
