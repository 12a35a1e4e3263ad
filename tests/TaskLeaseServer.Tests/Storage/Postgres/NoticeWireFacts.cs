using FluentAssertions;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Postgres.Notify;
using Xunit;

namespace TaskLeaseServer.Tests.Storage.Postgres;

/// <summary>
/// The NOTIFY payload carries a notice's event keys to the other nodes, so their feeds can pass
/// over events none of their streams match; keys too long for a payload, or a payload without
/// keys (an older node), mean "not known": every stream may match.
/// </summary>
public sealed class NoticeWireFacts
{
    [Fact]
    public void EventKeys_RideOnTheFirstPayload_AndDecodeAsSent()
    {
        var keys = new[] { new EventKey("run-1", "task-1", "pipe-1", "worker", "note"), new EventKey(null, "task-2", "pipe-1", null, "paused \"ü\"") };
        var wakes = Enumerable.Range(0, 2_000).Select(i => new Wake("role-" + i, null)).ToArray();

        var payloads = NoticeWire.Encode("node-a", new CommitNotice(wakes, Events: true, DueAtMs: null, EventKeys: keys));

        payloads.Should().HaveCountGreaterThan(1).And.OnlyContain(p => System.Text.Encoding.UTF8.GetByteCount(p) < 8_000);
        var first = NoticeWire.Decode(payloads[0])!.Value;
        first.Node.Should().Be("node-a");
        first.Notice.Events.Should().BeTrue();
        first.Notice.EventKeys.Should().Equal(keys);
        NoticeWire.Decode(payloads[1])!.Value.Notice.EventKeys.Should().BeNull("a later payload carries wakes only");
    }

    [Fact]
    public void KeysTooLongForAPayload_OrNoKeys_DecodeAsNotKnown()
    {
        var longKind = new string('k', 4_000);
        var tooLong = NoticeWire.Encode("node-a", new CommitNotice([], Events: true, DueAtMs: null, EventKeys: [new EventKey("r", "t", "p", null, longKind)]));
        tooLong.Should().ContainSingle().Which.Length.Should().BeLessThan(8_000);
        NoticeWire.Decode(tooLong[0])!.Value.Notice.Should().Match<CommitNotice>(n => n.Events && n.EventKeys == null);

        NoticeWire.Decode("""{"n":"old-node","e":true,"w":[]}""")!.Value.Notice.EventKeys.Should().BeNull("an older node's payload says nothing about keys");
    }
}
