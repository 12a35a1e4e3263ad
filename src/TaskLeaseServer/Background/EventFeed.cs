using System.Threading.Channels;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Background;

/// <summary>
/// The node's one reader of new events, for every open stream (EXTENSIONS §6). Woken by commit
/// notices that appended events a subscription can match (this node's, and the other nodes'
/// through the engine's relay) and by rechecks, it asks the event log how far the log is settled
/// (<see cref="IEventLog"/>: every id up to the horizon is committed or never will be), reads the
/// events up to there once, and hands each to the subscriptions whose filter it matches, in id
/// order (<see cref="SubscriptionIndex"/>: only those that could match are looked at). Streams
/// hold no connection while idle: a subscription is a bounded in-memory channel. A subscriber that
/// falls too far behind is cut off and replays from the database (its stream resumes after its last id).
///
/// A notice says what its events can be matched on (<see cref="CommitNotice.EventKeys"/>): when no
/// subscription matches any of them, nothing is read, and the published horizon stays where it
/// was: the next read starts there and so covers those events too. It comes with the next notice
/// a subscription can match, a subscriber joining, a caller asking for the horizon, or once
/// <see cref="CatchUp"/> events were passed over (so that read stays about one page). While nobody
/// subscribes the feed reads nothing at all: a commit costs no query on any node (on PostgreSQL
/// every node hears every commit), and the next caller that needs the horizon (a subscriber
/// joining, a history page) waits for one fresh read. The lock is never held across a read.
/// </summary>
public sealed class EventFeed : IHostedService
{
    /// <summary>Events a subscription may have waiting before it is cut off.</summary>
    public const int Buffer = 4_096;
    /// <summary>Event keys passed over (matched by no subscription) before the feed reads anyway, to move its horizon on.</summary>
    public const int CatchUp = 1_000;
    private const int Page = 1_000;
    private static readonly TimeSpan GapRetry = TimeSpan.FromMilliseconds(5);

    private readonly IEventLog _log;
    private readonly IReads _reads;
    private readonly CommitSignal _signal;
    private readonly TimeProvider _time;
    private readonly ILogger<EventFeed> _logger;
    private readonly Lock _lock = new();
    private readonly SubscriptionIndex _subscriptions = new();
    // Completed by each read of the horizon, then replaced: what a caller that needs one waits for.
    private TaskCompletionSource _read = NewRead();
    private long _readsStarted;
    private long _readsDone;       // the number of the last read that completed (a failed one never does)
    private long _published = -1; // -1: not followed (nobody subscribes)
    private int _wanted;           // callers waiting for a fresh horizon
    private bool _unread;          // events a subscription may match committed above _published: read
    private int _passedOver;       // event keys above _published that no subscription matched (0: _published is the log's end as noticed)
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

    /// <summary>Filter checks made so far, judging notices and delivering events (for tests: what an event costs).</summary>
    public long FilterChecks
    {
        get { lock (_lock) return _subscriptions.Checks; }
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

    /// <summary>
    /// The settled horizon: the followed one while streams are open and every event noticed is
    /// read, else one fresh read that starts after this call (so it holds the caller's own commits).
    /// </summary>
    public async Task<long> Horizon(CancellationToken cancel)
    {
        lock (_lock)
        {
            if (Followed && !_unread && _passedOver == 0) return _published;
        }
        return await Fresh(() => _published, cancel);
    }

    /// <summary>Subscribes; events above <see cref="Subscription.Start"/> arrive on it, the ones up to it are the caller's to replay.</summary>
    public async Task<Subscription> Subscribe(EventFilter filter, CancellationToken cancel)
    {
        var kick = false;
        Subscription Join()
        {
            var subscription = new Subscription(this, filter, _published);
            _subscriptions.Add(subscription);
            // Events passed over above its start may be this subscriber's: read them now.
            if (_passedOver > 0) _unread = kick = true;
            return subscription;
        }
        Subscription? joined = null;
        lock (_lock)
        {
            if (Followed) joined = Join();
        }
        joined ??= await Fresh(Join, cancel);
        if (kick) Kick();
        return joined;
    }

    private bool Followed => _published >= 0 && _subscriptions.Count > 0;

    /// <summary>Waits for a read of the horizon that starts after this call, then runs <paramref name="then"/> under the lock.</summary>
    private async Task<T> Fresh<T>(Func<T> then, CancellationToken cancel)
    {
        long need;
        lock (_lock)
        {
            _wanted++;
            need = _readsStarted + 1;
        }
        try
        {
            Kick();
            while (true)
            {
                Task read;
                lock (_lock)
                {
                    if (_readsDone >= need) return then();
                    read = _read.Task;
                }
                await read.WaitAsync(cancel);
            }
        }
        finally
        {
            lock (_lock) _wanted--;
        }
    }

    private static TaskCompletionSource NewRead() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>On the committing thread: judges the notice by its event keys, and wakes the reader only if a subscription may match.</summary>
    private void OnCommit(CommitNotice notice)
    {
        if (!notice.Events && !notice.Recheck) return;
        lock (_lock)
        {
            if (notice.Recheck || notice.EventKeys is not { } keys || keys.Any(_subscriptions.AnyMatches) || _passedOver >= CatchUp)
            {
                _unread = true;
            }
            else
            {
                _passedOver += Math.Max(1, keys.Count);
                return;
            }
            if (_subscriptions.Count == 0 && _wanted == 0) return;
        }
        Kick();
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
                lock (_lock) _unread = true;
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
        long from, number;
        lock (_lock)
        {
            if (_subscriptions.Count == 0 && _wanted == 0)
            {
                // Nobody listens: read nothing, and forget the horizon (the next read starts afresh).
                if (_published >= 0) _log.Rest();
                _published = -1;
                return false;
            }
            if (Followed && !_unread && _wanted == 0) return false; // nothing noticed that a subscriber can match
            // This read covers every commit noticed so far; notices from now on count for the next one.
            _unread = false;
            _passedOver = 0;
            number = ++_readsStarted;
            from = Followed ? _published : -1;
        }
        var horizon = _log.Advance();
        if (from < 0)
        {
            // Only where the log is settled: subscribers join from here, history pages stop here.
            lock (_lock) _published = Math.Max(_published, horizon.UpToId);
        }
        while (from >= 0 && from < horizon.UpToId)
        {
            var page = _reads.EventsFor(new EventFilter(), from, horizon.UpToId, Page);
            var last = page.More ? page.Items[^1].Id : horizon.UpToId;
            lock (_lock)
            {
                foreach (var e in page.Items) _subscriptions.Offer(e);
                _published = last;
            }
            from = last;
        }
        lock (_lock)
        {
            if (horizon.GapPending) _unread = true;
            _readsDone = number;
            _read.TrySetResult();
            _read = NewRead();
        }
        return horizon.GapPending;
    }

    private void Remove(Subscription subscription)
    {
        bool last;
        lock (_lock)
        {
            _subscriptions.Remove(subscription);
            last = _subscriptions.Count == 0;
        }
        if (last) Kick(); // the log rests
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
        /// <returns>false when the subscriber fell behind and is cut off (it leaves the feed)</returns>
        internal bool Offer(EventRow e, EventKey key)
        {
            if (e.Id <= Start || !Filter.Matches(key)) return true;
            if (_events.Writer.TryWrite(e)) return true;
            _events.Writer.TryComplete();
            return false;
        }

        public void Dispose()
        {
            _events.Writer.TryComplete();
            _feed.Remove(this);
        }
    }
}
