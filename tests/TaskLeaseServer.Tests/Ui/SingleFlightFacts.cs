using FluentAssertions;
using TaskLeaseServer.Ui;
using Xunit;

namespace TaskLeaseServer.Tests.Ui;

/// <summary>The dashboard's shared queue figures: one reading at a time, and never one that began before its caller asked.</summary>
public sealed class SingleFlightFacts
{
    [Fact]
    public async Task CallersDuringARunShareTheNextRun_WhichStartsAfterIt()
    {
        var flight = new SingleFlight<string>();
        var release = new TaskCompletionSource();
        var log = new List<string>();
        var first = flight.Run(() =>
        {
            release.Task.Wait();
            lock (log) log.Add("first");
            return "first";
        });
        var second = flight.Run(() => { lock (log) log.Add("second"); return "second"; });
        var third = flight.Run(() => { lock (log) log.Add("third"); return "third"; });
        third.Should().BeSameAs(second, "everyone who asks during a run shares the one next run");
        second.IsCompleted.Should().BeFalse("the next run waits for the one under way");

        release.SetResult();
        (await first).Should().Be("first");
        (await second).Should().Be("second");
        (await third).Should().Be("second");
        log.Should().Equal("first", "second");

        (await flight.Run(() => "fresh")).Should().Be("fresh", "with nothing under way a caller runs its own");
    }
}
