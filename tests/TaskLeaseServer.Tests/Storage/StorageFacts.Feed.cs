using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using TaskLeaseServer.Background;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

/// <summary>
/// The event feed over each engine's log: it reads nothing while nobody subscribes (on PostgreSQL
/// every node hears every commit, so a read per commit per node would be the cost), and a
/// subscriber gets every later event once, in id order.
/// </summary>
public abstract partial class StorageFacts
{
    private sealed class CountingLog(IEventLog inner) : IEventLog
    {
        public int Advances;

        public EventHorizon Advance()
        {
            Interlocked.Increment(ref Advances);
            return inner.Advance();
        }

        public void Rest() => inner.Rest();
    }

    [Fact]
    public async Task TheFeed_ReadsOnlyForSubscribers_AndASubscriberGetsEveryLaterEventOnceInOrder()
    {
        var log = new CountingLog(Engine.EventLog);
        var feed = new EventFeed(log, Reads, Signal, Clock, NullLogger<EventFeed>.Instance);
        await feed.StartAsync(CancellationToken.None);
        await Pipeline();
        var pid = await Pipeline();
        await Tasks(New(pid));
        var claim = await Claimed();
        for (var i = 0; i < 5; i++) await Run(u => u.Runs.AppendEvent(claim.Run.Id, "note", "{}"));

        log.Advances.Should().Be(0, "commits with nobody subscribed read nothing");
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var before = await feed.Horizon(bound.Token);
        log.Advances.Should().BeGreaterThanOrEqualTo(1, "the horizon asked for is a fresh read");

        using (var subscription = await feed.Subscribe(new EventFilter(), bound.Token))
        {
            subscription.Start.Should().BeGreaterThanOrEqualTo(before);
            var appended = new List<long>();
            for (var i = 0; i < 3; i++) appended.Add(await Run(u => u.Runs.AppendEvent(claim.Run.Id, "note", "{}")));
            var got = new List<long>();
            while (got.Count < 3) got.Add((await subscription.Events.ReadAsync(bound.Token)).Id);
            got.Should().Equal(appended, "every later event arrives once, in id order");
        }

        await Run(u => u.Runs.AppendEvent(claim.Run.Id, "note", "{}"));
        (await feed.Horizon(bound.Token)).Should().BeGreaterThan(before, "with its last subscriber gone, a horizon asked for is read afresh");
        await feed.StopAsync(CancellationToken.None);
    }
}
