using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api.Otlp;

/// <summary>
/// The spans of one OTLP request, with caps that keep one request from holding the single writer for
/// long or multiplying into gigabytes: resource attributes are copied onto every span, so a few MiB of
/// cleverly shaped input could otherwise become far more rows and text than it looks.
/// </summary>
public sealed class DecodedSpans
{
    /// <summary>Largest request body, before and after gzip (the contract's 64 KiB drops real batches, W23).</summary>
    public const int MaxBodyBytes = 8 << 20;
    public const int MaxSpans = 50_000;
    public const long MaxStoredChars = 64L << 20;

    private readonly List<OtlpSpan> _spans = [];
    private long _storedChars;

    public IReadOnlyList<OtlpSpan> Spans => _spans;

    public void Add(OtlpSpan span)
    {
        _storedChars += span.StoredChars;
        if (_spans.Count >= MaxSpans)
            throw TooLarge($"more than {MaxSpans} spans in one request");
        if (_storedChars > MaxStoredChars)
            throw TooLarge($"the spans would store more than {MaxStoredChars} characters (resource attributes are copied onto every span)");
        _spans.Add(span);
    }

    private static ApiError TooLarge(string what) =>
        new(413, "payload_too_large", $"OTLP batch too large: {what}; export smaller batches");
}
