using System.Text;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// Turns the text a caller searches for into an FTS5 MATCH expression (CONTRACT §8.31): every term
/// becomes a double-quoted phrase with inner quotes doubled, and the phrases are ANDed. Inside a
/// phrase FTS5 reads no syntax at all, so operators, prefixes, column filters and NEAR groups a
/// caller types are searched as words.
/// </summary>
public static class FtsMatch
{
    /// <summary>
    /// The MATCH expression for <paramref name="q"/>, or null when no term can match anything.
    /// Terms are split on whitespace and on control characters: FTS5 reads a NUL as the end of the
    /// query ("unterminated string"), and no tokenizer indexes control characters anyway. A term
    /// without a letter or digit is dropped: the unicode61 tokenizer yields no token for it, and
    /// FTS5 already ignores such an empty phrase beside others (alone, it matches nothing).
    /// </summary>
    public static string? Build(string q)
    {
        var match = new StringBuilder();
        foreach (var term in Terms(q))
        {
            if (!term.Any(char.IsLetterOrDigit)) continue;
            if (match.Length > 0) match.Append(' ');
            match.Append('"').Append(term.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }
        return match.Length == 0 ? null : match.ToString();
    }

    /// <summary>
    /// Whether <paramref name="q"/> has anything but spaces, tabs, CR and LF, the contract's test for
    /// 400 invalid_query; a term that cannot match is a search that finds nothing, not an error.
    /// </summary>
    public static bool HasTerm(string q) => q.AsSpan().IndexOfAnyExcept(" \t\r\n") >= 0;

    private static IEnumerable<string> Terms(string q)
    {
        var start = -1;
        for (var i = 0; i <= q.Length; i++)
        {
            var separator = i == q.Length || char.IsWhiteSpace(q[i]) || char.IsControl(q[i]);
            if (separator && start >= 0)
            {
                yield return q[start..i];
                start = -1;
            }
            else if (!separator && start < 0)
            {
                start = i;
            }
        }
    }
}
