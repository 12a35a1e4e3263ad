namespace TaskLeaseServer.Api.Otlp;

/// <summary>How an OTLP request body is read, decided by its Content-Type (CONTRACT §8.3).</summary>
public enum OtlpEncoding
{
    /// <summary>OTLP/JSON: parsed, and a parse failure is 400.</summary>
    Json,
    /// <summary>OTLP/protobuf: decoded into spans; undecodable bytes are still kept as a blob.</summary>
    Protobuf,
    /// <summary>Anything else: kept as a blob, nothing decoded (the reference's only behaviour).</summary>
    Opaque,
}

public static class OtlpContentType
{
    /// <summary>
    /// Drops parameters (from the first ';') and surrounding spaces and tabs. A missing header counts
    /// as protobuf, the OTLP/HTTP default.
    /// </summary>
    public static string Normalize(string? header) =>
        header is null ? "application/x-protobuf" : header.Split(';', 2)[0].Trim(' ', '\t');

    public static OtlpEncoding EncodingOf(string normalized) =>
        normalized.Equals("application/json", StringComparison.OrdinalIgnoreCase) ? OtlpEncoding.Json
        : normalized.Equals("application/x-protobuf", StringComparison.OrdinalIgnoreCase) ||
          normalized.Equals("application/protobuf", StringComparison.OrdinalIgnoreCase) ||
          normalized.Length == 0 ? OtlpEncoding.Protobuf
        : OtlpEncoding.Opaque;
}
