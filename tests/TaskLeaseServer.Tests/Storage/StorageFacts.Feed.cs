using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using TaskLeaseServer.Background;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

/// <summary>
/// The event feed over each engine's log: it reads nothing while nobody subscribes (on PostgreSQL
/// every node hears every commit, so a read per commit per node would be the cost), nor for events
/// no subscription can match; an event is checked only against the subscriptions that could match
/// it; and a subscriber gets every later event once, in id order.
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

    /// <param name="time">the clock its gap retries wait on: the real one where concurrent writers may leave a gap (PostgreSQL)</param>
    private EventFeed NewFeed(IEventLog log, TimeProvider? time = null) => new(log, Reads, Signal, time ?? Clock, NullLogger<EventFeed>.Instance);

    private static async Task<List<long>> Take(EventFeed.Subscription subscription, int count, CancellationToken cancel)
    {
        var got = new List<long>();
        while (got.Count < count) got.Add((await subscription.Events.ReadAsync(cancel)).Id);
        return got;
    }

    /// <summary>
    /// What a stream does: the settled events after its last id up to the subscription's start from
    /// the database, then the live ones (each above the start and the one before it) it has not sent.
    /// </summary>
    private async Task<List<long>> Resume(EventFeed.Subscription subscription, long after, int count, CancellationToken cancel)
    {
        var got = Reads.EventsFor(subscription.Filter, after, subscription.Start, 1_000).Items.Select(e => e.Id).ToList();
        var live = subscription.Start;
        while (got.Count < count)
        {
            var id = (await subscription.Events.ReadAsync(cancel)).Id;
            id.Should().BeGreaterThan(live, "a live event is above the start and in id order");
            live = id;
            if (id > (got.Count > 0 ? got[^1] : after)) got.Add(id);
        }
        return got;
    }

    [Fact]
    public async Task TheFeed_ChecksAnEventOnlyAgainstSubscriptionsThatCanMatchIt_AndReadsNothingForEventsNoneCanMatch()
    {
        var log = new CountingLog(Engine.EventLog);
        var feed = NewFeed(log);
        await feed.StartAsync(CancellationToken.None);
        var pid = await Pipeline();
        await Tasks(New(pid), New(pid));
        var mine = await Claimed();
        var other = await Claimed();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // 2,000 streams on other runs and other pipelines, as many agents' run streams and dashboards would be.
        var elsewhere = new List<EventFeed.Subscription>();
        for (var i = 0; i < 1_000; i++)
        {
            elsewhere.Add(await feed.Subscribe(new EventFilter(RunId: "run-elsewhere-" + i), bound.Token));
            elsewhere.Add(await feed.Subscribe(new EventFilter(PipelineId: "pipeline-elsewhere-" + i), bound.Token));
        }
        using var subscription = await feed.Subscribe(new EventFilter(RunId: mine.Run.Id), bound.Token);
        var first = await Run(u => u.Runs.AppendEvent(mine.Run.Id, "note", "{}"));
        (await Take(subscription, 1, bound.Token)).Should().Equal(first);
        var (advances, checks) = (log.Advances, feed.FilterChecks);

        for (var i = 0; i < 20; i++) await Run(u => u.Runs.AppendEvent(other.Run.Id, "note", "{}"));
        var last = await Run(u => u.Runs.AppendEvent(mine.Run.Id, "note", "{}"));

        (await Take(subscription, 1, bound.Token)).Should().Equal([last], "the other run's events are not this stream's");
        (feed.FilterChecks - checks).Should().BeLessThan(10,
            "an event is judged and offered only to its run's subscriber, not to 2,000 streams elsewhere (the old linear pass: 2,000 checks per event)");
        (log.Advances - advances).Should().BeLessThanOrEqualTo(3, "20 commits no stream can match cause no read; the stream's own event one");
        elsewhere.Should().OnlyContain(s => s.Events.Count == 0, "no event matched their filters");
        foreach (var s in elsewhere) s.Dispose();
        feed.Subscribers.Should().Be(1);
        await feed.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task TheFeed_FilesEachFilterWhereItsEventsFindIt_AndPassedOverEventsReachALaterSubscriber()
    {
        var feed = NewFeed(Engine.EventLog);
        await feed.StartAsync(CancellationToken.None);
        var pid = await Pipeline();
        var taskId = await OneTask(New(pid));
        var claim = await Claimed();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var decoys = new List<EventFeed.Subscription>();
        foreach (var filter in new EventFilter[]
                 {
                     new(RunId: "run-elsewhere"), new(TaskId: "task-elsewhere"), new(PipelineId: "pipeline-elsewhere"),
                     new(Role: "role-elsewhere"), new(Kinds: ["kind-elsewhere"]), new(RunId: claim.Run.Id, Kinds: ["kind-elsewhere"]),
                 })
        {
            decoys.Add(await feed.Subscribe(filter, bound.Token));
        }
        // Committed while no subscription can match it: passed over, not read.
        var passedOver = await Run(u => u.Runs.AppendEvent(claim.Run.Id, "note", "{}"));
        var matching = new List<EventFeed.Subscription>();
        foreach (var filter in new EventFilter[]
                 {
                     new(RunId: claim.Run.Id), new(TaskId: taskId), new(PipelineId: pid), new(Role: Worker), new(Kinds: ["note"]), new(),
                     new(PipelineId: pid, Role: Worker, Kinds: ["note", "other"]),
                 })
        {
            matching.Add(await feed.Subscribe(filter, bound.Token));
        }

        var live = await Run(u => u.Runs.AppendEvent(claim.Run.Id, "note", "{}"));

        foreach (var subscription in matching)
        {
            (await Resume(subscription, passedOver - 1, 2, bound.Token)).Should().Equal([passedOver, live],
                $"{subscription.Filter} gets both events once, in order");
        }
        decoys.Should().OnlyContain(s => s.Events.Count == 0);
        foreach (var s in matching.Concat(decoys)) s.Dispose();
        await feed.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task TheFeed_WithManySubscriptions_AResumingSubscriberGetsEveryLaterEventOfItsRunOnce_InIdOrder_UnderConcurrentWriters()
    {
        var feed = NewFeed(Engine.EventLog, TimeProvider.System);
        await feed.StartAsync(CancellationToken.None);
        var pid = await Pipeline();
        await Tasks(Enumerable.Range(0, 4).Select(_ => New(pid)).ToArray());
        var runs = new List<string>();
        for (var i = 0; i < 4; i++) runs.Add((await Claimed()).Run.Id);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var crowd = new List<EventFeed.Subscription>();
        for (var i = 0; i < 1_000; i++) crowd.Add(await feed.Subscribe(new EventFilter(RunId: i % 2 == 0 ? runs[1] : "run-elsewhere-" + i), bound.Token));
        var seen = await Run(u => u.Runs.AppendEvent(runs[0], "note", "{}"));

        // Four writers append concurrently, one per run; the resumer joins while they write.
        var writers = runs.Select(run => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++) await Run(u => u.Runs.AppendEvent(run, "note", "{}"));
        })).ToList();
        var filter = new EventFilter(RunId: runs[0]);
        using var subscription = await feed.Subscribe(filter, bound.Token);
        await Task.WhenAll(writers);
        var expected = Reads.EventsFor(filter, seen, long.MaxValue, 1_000).Items.Select(e => e.Id).ToList();
        expected.Should().HaveCount(25);

        (await Resume(subscription, seen, expected.Count, bound.Token)).Should().Equal(expected,
            "every event of the run after the last id seen, once, in id order");
        subscription.Events.Count.Should().Be(0, "nothing more, and nothing twice");
        var neighbours = crowd.Where(s => s.Filter.RunId == runs[1]).ToList();
        var theirs = Reads.EventsFor(neighbours[0].Filter, neighbours[0].Start, long.MaxValue, 1_000).Items.Select(e => e.Id).ToList();
        theirs.Should().HaveCount(25);
        foreach (var neighbour in neighbours)
        {
            (await Take(neighbour, theirs.Count, bound.Token)).Should().Equal(theirs, "each subscriber of another run among the crowd gets exactly that run's events");
        }
        crowd.Should().OnlyContain(s => s.Events.Count == 0);
        foreach (var s in crowd) s.Dispose();
        await feed.StopAsync(CancellationToken.None);
    }
}
