using System.Globalization;
using System.Text;
using TaskLeaseServer.Storage.Sqlite;

namespace TaskLeaseServer.Storage.Postgres;

/// <summary>
/// filter_path keeps the contract's SQLite JSON path grammar on both engines ($, .label,
/// ."quoted label", [N], [#-N]; validated by the same <see cref="JsonPath"/>), translated here
/// into a strict SQL/JSON path: every label quoted and escaped, so nothing in it is read as
/// jsonpath syntax; strict, so a step that does not fit (a label on an array, an index on an
/// object, past the end) finds nothing, as in SQLite, instead of lax mode's unwrapping.
/// </summary>
public static class JsonbPath
{
    /// <summary>The jsonpath for a path that <see cref="JsonPath.IsValid"/> accepted.</summary>
    public static string Translate(string path)
    {
        var result = new StringBuilder("strict $");
        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                i++;
                string label;
                if (path[i] == '"')
                {
                    var close = path.IndexOf('"', i + 1);
                    label = path[(i + 1)..close];
                    i = close + 1;
                }
                else
                {
                    var end = i;
                    while (end < path.Length && path[end] is not ('.' or '[' or '"')) end++;
                    label = path[i..end];
                    i = end;
                }
                result.Append(".\"").Append(label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                var fromEnd = path.AsSpan(i + 1).StartsWith("#-");
                var digits = i + 1 + (fromEnd ? 2 : 0);
                var close = path.IndexOf(']', digits);
                // Beyond int range no array has the element; int.MaxValue finds nothing just the same.
                var n = long.TryParse(path.AsSpan(digits, close - digits), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v <= int.MaxValue
                    ? v : int.MaxValue;
                result.Append(fromEnd
                    ? (n == 0 ? "[last + 1]" : $"[last - {(n - 1).ToString(CultureInfo.InvariantCulture)}]")
                    : $"[{n.ToString(CultureInfo.InvariantCulture)}]");
                i = close + 1;
            }
        }
        return result.ToString();
    }
}
