using System.Text.Json.Serialization.Metadata;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api.Http;

/// <summary>Every list's answer: the page's items and, when more follow, a cursor naming the last one.</summary>
public static class Paging
{
    public static Reply Reply<TRow, TWire>(RowPage<TRow> page, Func<TRow, TWire> toWire, Func<TRow, string> cursorOf,
        JsonTypeInfo<Page<TWire>> type) =>
        Http.Reply.Ok(new Page<TWire>(page.Items.Select(toWire).ToList(), page.More ? cursorOf(page.Items[^1]) : null), type);
}
