using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>
/// The API keys (GET /ops/keys, an admin's read): name, scopes, created, expiry, last use. Never the
/// secret nor its hash; a revoked key is deleted (DELETE /ops/keys/{id}), so it is no longer listed.
/// </summary>
public static class KeysPage
{
    private const int PageSize = 50;

    public static IResult Render(HttpContext http, IReads reads, TimeProvider time)
    {
        if (!UiAccess.CanAdminister(http))
            return Page(http, "API keys", "/ui/keys", h => h.El("p", "The key list is an admin's (GET /ops/keys needs the admin scope): sign in with an admin key or the server token to see it.", "problem"), 403);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        (long, string)? cursor;
        try { cursor = Cursor.ParseTimeAndId(Query.Value(http, "cursor")); }
        catch (ApiError) { cursor = null; } // a hand-edited URL starts again at the first page
        var keys = reads.ApiKeys(cursor, PageSize);
        return Page(http, "API keys", "/ui/keys", h =>
        {
            h.El("p", "Keys are created with POST /ops/keys (the secret is shown once, then only its hash is kept) and revoked with DELETE /ops/keys/{id}, which removes them.", "note");
            Table(h, ["Name", "Scopes", "State", "Created", "Expires", "Last used", "Id"], keys.Items, (h, k) =>
            {
                Cell(h, k.Name.Length == 0 ? "(unnamed)" : k.Name);
                h.Raw("<td>");
                foreach (var scope in k.Scopes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    h.El("span", scope, "chip").Raw(" ");
                h.Raw("</td>");
                var expired = k.ExpiresAtMs is { } e && e <= now;
                Cell(h, expired ? "expired" : "active", expired ? "state paused" : "state running");
                Cell(h, Time(k.CreatedAtMs));
                Cell(h, k.ExpiresAtMs is null ? "never" : Time(k.ExpiresAtMs));
                Cell(h, k.LastUsedAtMs is { } used ? Age(now, used) + " ago" : "never");
                Cell(h, k.Id, "mono");
            }, "No API keys. Without keys, the server token (if any) is the only credential.");
            if (keys.More)
                h.Raw("<p class=\"pager\">").Link(Html.Url("/ui/keys", ("cursor", Cursor.Of(keys.Items[^1].CreatedAtMs, keys.Items[^1].Id))), "Next page →").Raw("</p>");
        });
    }
}
