namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// The SQLite JSON paths <c>filter_path</c> accepts (CONTRACT §8.31, W24): <c>$</c> followed by
/// steps <c>.label</c>, <c>."quoted label"</c>, <c>[N]</c> or <c>[#-N]</c>. SQLite reports a bad
/// path only when a document gets far enough to read it, so the path is checked here, before any
/// query runs, and a bad one is a 400 for every entry rather than an error for some.
/// </summary>
public static class JsonPath
{
    public const string Expected =
        "filter_path must be a JSON path starting with `$`, such as `$.status`, `$.owner.name`, `$.tags[0]`, " +
        "`$.tags[#-1]` or `$.\"odd.key\"`";

    public static bool IsValid(string path)
    {
        // SQLite reads the path as C text, so a NUL would cut it short; no label needs control characters.
        if (path.Length == 0 || path[0] != '$' || path.Any(char.IsControl)) return false;
        var i = 1;
        while (i < path.Length)
        {
            var step = path[i] switch
            {
                '.' => Label(path, i + 1),
                '[' => Index(path, i + 1),
                _ => -1,
            };
            if (step < 0) return false;
            i = step;
        }
        return true;
    }

    /// <summary>Where the label starting at <paramref name="i"/> ends, or -1 if there is none.</summary>
    private static int Label(string path, int i)
    {
        if (i < path.Length && path[i] == '"')
        {
            var close = path.IndexOf('"', i + 1);
            return close < 0 ? -1 : close + 1;
        }
        var end = i;
        while (end < path.Length && path[end] is not ('.' or '[' or '"')) end++;
        return end == i ? -1 : end;
    }

    /// <summary>Where the index starting at <paramref name="i"/> ends (after ']'), or -1.</summary>
    private static int Index(string path, int i)
    {
        if (path.AsSpan(i).StartsWith("#-")) i += 2;
        var digits = i;
        while (i < path.Length && char.IsAsciiDigit(path[i])) i++;
        return i > digits && i < path.Length && path[i] == ']' ? i + 1 : -1;
    }
}
