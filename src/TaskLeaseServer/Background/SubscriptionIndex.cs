using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Background;

/// <summary>
/// The event feed's open subscriptions, each filed under the narrowest thing its filter names (its
/// run, else its task, else its pipeline, else its role; a filter on kinds only, or on nothing,
/// sees every event), so an event is checked only against the subscriptions that could match it:
/// four lookups, not one filter check per open stream. Not thread-safe: the feed holds its lock.
/// </summary>
internal sealed class SubscriptionIndex
{
    private readonly Dictionary<string, List<EventFeed.Subscription>> _byRun = [];
    private readonly Dictionary<string, List<EventFeed.Subscription>> _byTask = [];
    private readonly Dictionary<string, List<EventFeed.Subscription>> _byPipeline = [];
    private readonly Dictionary<string, List<EventFeed.Subscription>> _byRole = [];
    private readonly List<EventFeed.Subscription> _everything = [];

    public int Count { get; private set; }

    /// <summary>Filter checks made so far: what delivering and judging events has cost (a test seam).</summary>
    public long Checks { get; private set; }

    public void Add(EventFeed.Subscription subscription)
    {
        var (index, key) = Place(subscription.Filter);
        if (index is null) _everything.Add(subscription);
        else if (index.TryGetValue(key!, out var list)) list.Add(subscription);
        else index[key!] = [subscription];
        Count++;
    }

    public void Remove(EventFeed.Subscription subscription)
    {
        var (index, key) = Place(subscription.Filter);
        if (index is null)
        {
            if (_everything.Remove(subscription)) Count--;
            return;
        }
        if (!index.TryGetValue(key!, out var list) || !list.Remove(subscription)) return;
        Count--;
        if (list.Count == 0) index.Remove(key!);
    }

    /// <summary>Whether any open subscription's filter matches an event with this key.</summary>
    public bool AnyMatches(EventKey key)
    {
        foreach (var list in Candidates(key))
        {
            foreach (var subscription in list)
            {
                Checks++;
                if (subscription.Filter.Matches(key)) return true;
            }
        }
        return false;
    }

    /// <summary>Offers the event to every subscription that could match it (one that is cut off leaves the index).</summary>
    public void Offer(EventRow e)
    {
        var key = EventKey.Of(e);
        foreach (var list in Candidates(key))
        {
            // Backwards: a subscription cut off by its offer removes itself from this list.
            for (var i = list.Count - 1; i >= 0; i--)
            {
                Checks++;
                if (!list[i].Offer(e, key)) Remove(list[i]);
            }
        }
    }

    private (Dictionary<string, List<EventFeed.Subscription>>? Index, string? Key) Place(EventFilter filter) =>
        filter switch
        {
            { RunId: { } run } => (_byRun, run),
            { TaskId: { } task } => (_byTask, task),
            { PipelineId: { } pipeline } => (_byPipeline, pipeline),
            { Role: { } role } => (_byRole, role),
            _ => (null, null),
        };

    /// <summary>The lists an event's subscribers can be in; each subscription is in one list only, so none is offered an event twice.</summary>
    private IEnumerable<List<EventFeed.Subscription>> Candidates(EventKey key)
    {
        if (Find(_byRun, key.RunId) is { } byRun) yield return byRun;
        if (Find(_byTask, key.TaskId) is { } byTask) yield return byTask;
        if (Find(_byPipeline, key.PipelineId) is { } byPipeline) yield return byPipeline;
        if (Find(_byRole, key.Role) is { } byRole) yield return byRole;
        if (_everything.Count > 0) yield return _everything;
    }

    private static List<EventFeed.Subscription>? Find(Dictionary<string, List<EventFeed.Subscription>> index, string? key) =>
        string.IsNullOrEmpty(key) ? null : index.GetValueOrDefault(key);
}
