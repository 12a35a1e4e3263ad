using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// The request path as the contract reads it (CONTRACT §1.4): split on '/', empty segments dropped,
/// each segment percent-decoded after splitting (so %2F puts a '/' inside one segment, '+' stays).
/// Routing then runs on a re-escaped form in which only '%' and '/' inside a segment are escaped,
/// and <see cref="Unescape"/> restores route values before handlers see them.
/// </summary>
public sealed class RequestPath
{
    private RequestPath(string raw, string[] segments, bool lossy)
    {
        Raw = raw;
        Segments = segments;
        Lossy = lossy;
    }

    /// <summary>The path exactly as sent, before '?': the idempotency scope uses it (CONTRACT §4).</summary>
    public string Raw { get; }
    public IReadOnlyList<string> Segments { get; }

    /// <summary>Some segment's percent-escapes were not UTF-8 and were replaced with U+FFFD.</summary>
    public bool Lossy { get; }

    public static RequestPath Of(HttpContext context) => (RequestPath)context.Items[typeof(RequestPath)]!;

    public static void Normalize(HttpContext context)
    {
        // Kestrel keeps the target as sent; an in-process test host leaves it empty.
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target)) target = (context.Request.PathBase + context.Request.Path).ToUriComponent();
        var query = target.IndexOf('?');
        var raw = query >= 0 ? target[..query] : target;
        var lossy = false;
        var segments = raw.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => Decode(s, ref lossy)).ToArray();
        context.Items[typeof(RequestPath)] = new RequestPath(raw, segments, lossy);
        context.Request.Path = new PathString("/" + string.Join('/', segments.Select(EscapeForRouting)));
    }

    public static string Unescape(string routeValue) =>
        routeValue.Contains('%') ? routeValue.Replace("%2F", "/", StringComparison.Ordinal).Replace("%25", "%", StringComparison.Ordinal) : routeValue;

    private static string EscapeForRouting(string segment) =>
        segment.Replace("%", "%25", StringComparison.Ordinal).Replace("/", "%2F", StringComparison.Ordinal);

    /// <summary>%XX with hex digits of either case becomes that byte; a malformed escape stays literal.</summary>
    private static string Decode(string segment, ref bool lossy)
    {
        if (!segment.Contains('%')) return segment;
        var bytes = new List<byte>(segment.Length);
        var source = Encoding.UTF8.GetBytes(segment);
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] == '%' && i + 2 < source.Length && IsHex(source[i + 1]) && IsHex(source[i + 2]))
            {
                bytes.Add((byte)(HexValue(source[i + 1]) * 16 + HexValue(source[i + 2])));
                i += 2;
            }
            else
            {
                bytes.Add(source[i]);
            }
        }
        try
        {
            return StrictUtf8.GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            // Ids are not format-checked (an unknown one simply matches nothing), so decode leniently,
            // but remember: a store key written this way would collide (%FF and %FE both give U+FFFD).
            lossy = true;
            return Encoding.UTF8.GetString(bytes.ToArray());
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);
    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
