using System.Globalization;
using System.Text;

namespace TaskLeaseServer.Storage.Postgres;

/// <summary>
/// Full-text search with SQLite's semantics (FTS5, tokenizer unicode61 remove_diacritics 2): the
/// engine tokenizes here and hands PostgreSQL finished tsvector and tsquery literals, so
/// PostgreSQL's parser, dictionaries and locale never touch the text (its default parser keeps
/// "foo-bar", e-mail addresses and paths whole, which FTS5 splits; POSTGRES-RESEARCH §8).
/// A token is a run of letters, digits and private-use characters, lower-cased with diacritics
/// removed. Each query term (split as FtsMatch splits them) becomes a phrase of its tokens
/// ('a' &lt;-&gt; 'b'), and the phrases are ANDed: every term must match, and nothing the caller
/// types is read as query syntax.
/// </summary>
public static class SearchText
{
    /// <summary>Longer tokens are cut (PostgreSQL refuses lexemes over 2 KiB); the query cuts alike, so they still match.</summary>
    private const int MaxTokenChars = 256;

    /// <summary>The entry's vector: namespace, key and value text, a position apart so no phrase spans two of them.</summary>
    public static string Vector(string ns, string key, string valueJson)
    {
        var vector = new StringBuilder();
        var position = 1;
        foreach (var column in new[] { ns, key, valueJson })
        {
            foreach (var token in Tokens(column))
            {
                if (vector.Length > 0) vector.Append(' ');
                // Positions past 16383 are clamped by PostgreSQL; phrases that deep may then miss.
                Quote(vector, token).Append(':').Append(Math.Min(position++, 16_383).ToString(CultureInfo.InvariantCulture));
            }
            position++;
        }
        return vector.ToString();
    }

    /// <summary>The tsquery for the caller's text, or null when no term can match anything.</summary>
    public static string? Query(string text)
    {
        var query = new StringBuilder();
        foreach (var term in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).SelectMany(SplitOnControls))
        {
            var tokens = Tokens(term).ToList();
            if (tokens.Count == 0) continue;
            if (query.Length > 0) query.Append(" & ");
            query.Append('(');
            for (var i = 0; i < tokens.Count; i++)
            {
                if (i > 0) query.Append(" <-> ");
                Quote(query, tokens[i]);
            }
            query.Append(')');
        }
        return query.Length == 0 ? null : query.ToString();
    }

    /// <summary>The unicode61 tokens of <paramref name="text"/>.</summary>
    public static IEnumerable<string> Tokens(string text)
    {
        var token = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsTokenChar(rune))
            {
                Fold(token, rune);
                continue;
            }
            if (token.Length > 0) yield return Cut(token);
        }
        if (token.Length > 0) yield return Cut(token);
    }

    private static bool IsTokenChar(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or
            UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber or
            UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber or UnicodeCategory.PrivateUse or
            UnicodeCategory.NonSpacingMark => true, // a combining mark joins its letter, then Fold drops it
        _ => false,
    };

    /// <summary>Lower case, then the base letter of a Latin letter with diacritics (é → e); combining marks are dropped.</summary>
    private static void Fold(StringBuilder token, Rune rune)
    {
        if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark) return;
        var lower = Rune.ToLowerInvariant(rune);
        if (lower.IsBmp) token.Append(Diacritics.Fold((char)lower.Value));
        else token.Append(lower.ToString());
    }

    private static string Cut(StringBuilder token)
    {
        var text = token.Length > MaxTokenChars ? token.ToString(0, MaxTokenChars) : token.ToString();
        token.Clear();
        return text;
    }

    private static IEnumerable<string> SplitOnControls(string term) =>
        term.Split(term.Where(char.IsControl).Distinct().ToArray(), StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A lexeme literal: quoted, with quotes doubled and backslashes escaped.</summary>
    private static StringBuilder Quote(StringBuilder into, string token) =>
        into.Append('\'').Append(token.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal)).Append('\'');
}
