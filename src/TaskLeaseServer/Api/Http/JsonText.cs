using System.Text.Json;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// System.Text.Json accepts invalid UTF-8 inside strings and lone surrogate escapes ("\ud800")
/// while parsing and fails only when the text is read, as InvalidOperationException. Request
/// readers call <see cref="IsReadable"/> once, up front, so bad text is a 400 and never a 500.
/// </summary>
public static class JsonText
{
    public static bool IsReadable(JsonElement element)
    {
        try
        {
            Walk(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void Walk(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                _ = e.GetString();
                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray()) Walk(item);
                break;
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    _ = p.Name;
                    Walk(p.Value);
                }
                break;
        }
    }
}
