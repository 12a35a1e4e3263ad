using System.Threading.Channels;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Background;

/// <summary>
/// The node's one reader of new events, for every open stream (EXTENSIONS §6). Woken by commit
/// notices that appended events (this node's, and the other nodes' through the engine's relay) and
/// by rechecks, it asks the event log how far the log is settled (<see cref="IEventLog"/>: every id
/// up to the horizon is committed or never will be), reads the events up to there once, and hands
/// each to the subscriptions whose filter it matches, in id order. Streams hold no connection
/// while idle: a subscription is a bounded in-memory channel. A subscriber that falls too far
/// behind is cut off and replays from the database (its stream resumes after its last id).
/// While nobody subscribes the feed reads nothing: a commit costs no query on any node (on
/// PostgreSQL every node hears every commit), and the next caller that needs the horizon (a
/// subscriber joining, a history page) waits for one fresh read.
/// </summary>
public sealed class EventFeed : IHostedService
{
    /// <summary>Events a subscription may have waiting before it is cut off.</summary>
    public const int Buffer = 4_096;
    private const int Page = 1_000;
    private static readonly TimeSpan GapRetry = TimeSpan.FromMilliseconds(5);

    private readonly IEventLog _log;
    private readonly IReads _reads;
    private readonly CommitSignal _signal;
    private readonly TimeProvider _time;
    private readonly ILogger<EventFeed> _logger;
    private readonly Lock _lock = new();
    private readonly List<Subscription> _subscriptions = [];
    // Completed by each read of the horizon, then replaced: what a caller that needs one waits for.
    private TaskCompletionSource _read = NewRead();
    private long _published = -1; // -1: not followed (nobody subscribes)
    private int _wanted;           // callers waiting for a fresh horizon
    private int _pending;

    public EventFeed(IEventLog log, IReads reads, CommitSignal signal, TimeProvider time, ILogger<EventFeed> logger)
    {
        _log = log;
        _reads = reads;
        _signal = signal;
        _time = time;
        _logger = logger;
    }

    /// <summary>Every event id up to this is settled and has been handed to the subscriptions (-1 while nobody subscribes).</summary>
    public long Published
    {
        get { lock (_lock) return _published; }
    }

    public int Subscribers
    {
        get { lock (_lock) return _subscriptions.Count; }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _signal.Committed += OnCommit;
        Kick();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _signal.Committed -= OnCommit;
        return Task.CompletedTask;
    }

    /// <summary>The settled horizon: the followed one while streams are open, else one fresh read.</summary>
    public async Task<long> Horizon(CancellationToken cancel)
    {
        lock (_lock)
        {
            if (_subscriptions.Count > 0 && _published >= 0) return _published;
        }
        return await Fresh(() => _published, cancel);
    }

    /// <summary>Subscribes; events above <see cref="Subscription.Start"/> arrive on it, the ones up to it are the caller's to replay.</summary>
    public async Task<Subscription> Subscribe(EventFilter filter, CancellationToken cancel)
    {
        Subscription Join()
        {
            var subscription = new Subscription(this, filter, _published);
            _subscriptions.Add(subscription);
            return subscription;
        }
        lock (_lock)
        {
            if (_subscriptions.Count > 0 && _published >= 0) return Join();
        }
        return await Fresh(Join, cancel);
    }

    /// <summary>Waits for the next read of the horizon, then runs <paramref name="then"/> under the lock.</summary>
    private async Task<T> Fresh<T>(Func<T> then, CancellationToken cancel)
    {
        Task read;
        lock (_lock)
        {
            _wanted++;
            read = _read.Task;
        }
        try
        {
            Kick();
            await read.WaitAsync(cancel);
            lock (_lock) return then();
        }
        finally
        {
            lock (_lock) _wanted--;
        }
    }

    private static TaskCompletionSource NewRead() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void OnCommit(CommitNotice notice)
    {
        if (notice.Events || notice.Recheck) Kick();
    }

    /// <summary>Runs the reader, or makes the running one go once more.</summary>
    private void Kick()
    {
        if (Interlocked.Increment(ref _pending) > 1) return;
        _ = Task.Run(Drain);
    }

    private async Task Drain()
    {
        var gaps = 0;
        while (true)
        {
            var gap = false;
            try
            {
                gap = Step();
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Could not read new events for the open streams; trying again on the next commit or recheck");
            }
            if (gap)
            {
                // A writer still holds a lower id: look again soon, backing off to the recheck's pace.
                await Task.Delay(GapRetry * Math.Min(200, 1 << Math.Min(gaps++, 8)), _time).ConfigureAwait(false);
                continue;
            }
            gaps = 0;
            if (Interlocked.Decrement(ref _pending) == 0) return;
            Interlocked.Exchange(ref _pending, 1);
        }
    }

    /// <returns>whether a missing id may still commit (look again soon)</returns>
    private bool Step()
    {
        lock (_lock)
        {
            if (_subscriptions.Count == 0 && _wanted == 0)
            {
                // Nobody listens: read nothing, and forget the horizon (the next read starts afresh).
                if (_published >= 0) _log.Rest();
                _published = -1;
                return false;
            }
        }
        var horizon = _log.Advance();
        long from;
        lock (_lock)
        {
            var followed = _published >= 0 && _subscriptions.Count > 0;
            if (!followed)
            {
                // Only where the log is settled: subscribers join from here, history pages stop here.
                _published = Math.Max(_published, horizon.UpToId);
                _read.TrySetResult();
                _read = NewRead();
                return horizon.GapPending;
            }
            from = _published;
        }
        while (from < horizon.UpToId)
        {
            var page = _reads.EventsFor(new EventFilter(), from, horizon.UpToId, Page);
            var last = page.More ? page.Items[^1].Id : horizon.UpToId;
            lock (_lock)
            {
                foreach (var e in page.Items)
                {
                    for (var i = _subscriptions.Count - 1; i >= 0; i--) _subscriptions[i].Offer(e);
                }
                _published = last;
            }
            from = last;
        }
        lock (_lock)
        {
            _read.TrySetResult();
            _read = NewRead();
        }
        return horizon.GapPending;
    }

    private void Remove(Subscription subscription)
    {
        lock (_lock) _subscriptions.Remove(subscription);
    }

    /// <summary>One stream's live events. Dispose it when the stream ends.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly EventFeed _feed;
        private readonly Channel<EventRow> _events = Channel.CreateBounded<EventRow>(
            new BoundedChannelOptions(Buffer) { SingleReader = true, SingleWriter = true });

        internal Subscription(EventFeed feed, EventFilter filter, long start)
        {
            _feed = feed;
            Filter = filter;
            Start = start;
        }

        public EventFilter Filter { get; }

        /// <summary>Events with ids above this arrive here; the ones up to it are settled and readable from the database.</summary>
        public long Start { get; }

        /// <summary>The live events; the reader completes when the subscriber fell behind by <see cref="Buffer"/> (replay and subscribe again).</summary>
        public ChannelReader<EventRow> Events => _events.Reader;

        /// <summary>Called under the feed's lock, in id order.</summary>
        internal void Offer(EventRow e)
        {
            if (e.Id <= Start || !Filter.Matches(e)) return;
            if (_events.Writer.TryWrite(e)) return;
            _events.Writer.TryComplete();
            _feed._subscriptions.Remove(this);
        }

        public void Dispose()
        {
            _events.Writer.TryComplete();
            _feed.Remove(this);
        }
    }
}
