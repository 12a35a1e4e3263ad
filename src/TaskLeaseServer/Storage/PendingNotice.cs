namespace TaskLeaseServer.Storage;

/// <summary>
/// The notice a unit is building, held until its commit (both engines' units keep one). A nested
/// part that is undone takes its wakes back (<see cref="Mark"/>, <see cref="Undo"/>); an event flag,
/// its keys or a due time it raised may stay: a spurious look costs a read, a missing one a lost wake-up.
/// </summary>
internal sealed class PendingNotice
{
    /// <summary>Distinct event keys a notice carries; a unit that appends more sends none ("any stream may match").</summary>
    public const int MaxEventKeys = 16;

    private readonly List<Wake> _wakes = [];
    private readonly List<EventKey> _eventKeys = [];
    private bool _events;
    private bool _tooManyKeys;
    private long? _dueAt;

    public void Claimable(string? role, string? assignee)
    {
        if (role is not null) _wakes.Add(new Wake(role, assignee));
    }

    public void WakeRole(string role) => _wakes.Add(new Wake(role, null, All: true));

    public void EventAppended(EventKey key)
    {
        _events = true;
        if (_tooManyKeys || _eventKeys.Contains(key)) return;
        if (_eventKeys.Count < MaxEventKeys) _eventKeys.Add(key);
        else _tooManyKeys = true;
    }

    public void DueAt(long atMs) => _dueAt = _dueAt is { } due ? Math.Min(due, atMs) : atMs;

    public int Mark() => _wakes.Count;

    public void Undo(int mark) => _wakes.RemoveRange(mark, _wakes.Count - mark);

    /// <summary>The notice so far, and a fresh start.</summary>
    public CommitNotice Take()
    {
        var notice = new CommitNotice(_wakes.Count == 0 ? [] : _wakes.ToArray(), _events, _dueAt,
            EventKeys: _events && !_tooManyKeys ? _eventKeys.ToArray() : null);
        Clear();
        return notice;
    }

    public void Clear()
    {
        _wakes.Clear();
        _eventKeys.Clear();
        _events = false;
        _tooManyKeys = false;
        _dueAt = null;
    }
}
