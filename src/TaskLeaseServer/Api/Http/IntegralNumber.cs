using System.Globalization;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// Reads a decimal number text (<c>5</c>, <c>-5.000</c>, <c>5e0</c>, <c>1E3</c>, <c>50e-1</c>) as an
/// int64 when its value is exactly integral and in range, digit by digit. Going through
/// <c>decimal</c> or <c>double</c> would round first: <c>1e-29</c> became 0 and
/// <c>7.0000000000000000000000000000004</c> became 7, where the contract says a fraction is a 400.
/// </summary>
public static class IntegralNumber
{
    // The characters decimal.TryParse's AllowLeadingWhite/AllowTrailingWhite skip; numeric strings
    // with them were accepted before, so they still are.
    private static readonly char[] White = [' ', '\t', '\n', '\v', '\f', '\r'];

    // More significant digits than this cannot be an int64 once leading zeros are gone.
    private const int MaxDigits = 19;

    public static long? Parse(string text)
    {
        var s = text.Trim(White).AsSpan();
        var negative = false;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        var exponentAt = s.IndexOfAny('e', 'E');
        var mantissa = exponentAt < 0 ? s : s[..exponentAt];
        long exponent = 0;
        if (exponentAt >= 0 && !TryExponent(s[(exponentAt + 1)..], out exponent)) return null;

        var point = mantissa.IndexOf('.');
        var whole = point < 0 ? mantissa : mantissa[..point];
        var fraction = point < 0 ? [] : mantissa[(point + 1)..];
        if (whole.Length + fraction.Length == 0 || !IsDigits(whole) || !IsDigits(fraction)) return null;

        // value = digits × 10^scale, with every digit of the mantissa kept.
        var digits = (string.Concat(whole, fraction)).TrimStart('0');
        if (digits.Length == 0) return 0;
        var scale = exponent - fraction.Length;
        if (scale < 0)
        {
            // The last -scale digits sit after the point: all must be zero for an integer.
            if (-scale >= digits.Length) return null;
            var cut = digits.Length + (int)scale;
            if (digits.AsSpan(cut).ContainsAnyExcept('0')) return null;
            digits = digits[..cut];
        }
        else
        {
            if (digits.Length + scale > MaxDigits) return null;
            digits += new string('0', (int)scale);
        }
        return long.TryParse(negative ? "-" + digits : digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n : null;
    }

    /// <summary>The exponent's sign and digits; a huge exponent is clamped (it only decides "out of range" or "fraction").</summary>
    private static bool TryExponent(ReadOnlySpan<char> s, out long exponent)
    {
        exponent = 0;
        var negative = false;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s.Length == 0 || !IsDigits(s)) return false;
        foreach (var c in s) exponent = Math.Min(exponent * 10 + (c - '0'), 1_000_000);
        if (negative) exponent = -exponent;
        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> s) => !s.ContainsAnyExceptInRange('0', '9');
}
