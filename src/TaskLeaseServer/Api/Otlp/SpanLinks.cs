using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api.Otlp;

/// <summary>
/// The run and task a list of attributes links to (CONTRACT §8.3): the first attribute with each
/// key decides, even when its value is null (which sends the lookup on to the resource). Both
/// encodings feed it; the value's text is computed only for the deciding attribute.
/// </summary>
internal sealed class SpanLinks
{
    private bool _runIdSeen;
    private bool _taskIdSeen;

    public string? RunId { get; private set; }
    public string? TaskId { get; private set; }

    public void Offer<T>(string key, T value, Func<T, string?> text) where T : allows ref struct
    {
        if (key == OtlpSpan.RunIdKey && !_runIdSeen)
        {
            _runIdSeen = true;
            RunId = text(value);
        }
        else if (key == OtlpSpan.TaskIdKey && !_taskIdSeen)
        {
            _taskIdSeen = true;
            TaskId = text(value);
        }
    }
}
