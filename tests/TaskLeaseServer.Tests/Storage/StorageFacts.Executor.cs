using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// The executor's promise: atomic per unit, answered after its commit, an error undoes only its unit.
public abstract partial class StorageFacts
{
    [Fact]
    public async Task AUnitThatThrows_IsUndoneAlone_WhileTheOthersOfItsBatchCommit()
    {
        // The first unit holds the writer until all the others are queued behind it, so they share batches.
        using var gate = new ManualResetEventSlim();
        var holder = Task.Run(() => Run(u =>
        {
            gate.Wait(TimeSpan.FromSeconds(10));
            u.Kv.Put("ns", "holder", "1");
            return true;
        }));
        var units = Enumerable.Range(0, 60).Select(i => Run(u =>
        {
            u.Kv.Put("ns", "k" + i, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (i % 3 == 0) throw new DomainError(Fault.InvalidQuery, "unit " + i + " refuses");
            return i;
        })).ToList();
        gate.Set();
        await holder;

        for (var i = 0; i < units.Count; i++)
        {
            if (i % 3 == 0)
            {
                var refused = () => units[i];
                (await refused.Should().ThrowAsync<DomainError>()).Which.Message.Should().Be("unit " + i + " refuses");
                Reads.KvGet("ns", "k" + i).Should().BeNull();
            }
            else
            {
                (await units[i]).Should().Be(i);
                Reads.KvGet("ns", "k" + i)!.ValueJson.Should().Be(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        Reads.KvGet("ns", "holder").Should().NotBeNull();
    }

    [Fact]
    public async Task AUnitAloneThatThrows_LeavesNothingBehind()
    {
        var pid = await Pipeline();

        var failing = () => Run<bool>(u =>
        {
            TaskLeaseServer.Lifecycle.Creation.Tasks(u, [New(pid)]);
            u.Kv.Put("ns", "k", "1");
            throw new InvalidOperationException("not a domain error either");
        });

        await failing.Should().ThrowAsync<InvalidOperationException>();
        Reads.Tasks(new TaskFilter(null, pid, null, 10)).Items.Should().BeEmpty();
        Reads.KvGet("ns", "k").Should().BeNull();
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task ANestedPart_IsKeptOrUndone_AsKeepSays_WhileTheUnitGoesOn(bool keep, bool kept)
    {
        var answer = await Run(u =>
        {
            u.Kv.Put("ns", "before", "1");
            var nested = u.Nested(() => { u.Kv.Put("ns", "nested", "2"); return 42; }, r => r == 42 && keep);
            u.Kv.Put("ns", "after", "3");
            return nested;
        });

        answer.Should().Be(42);
        Reads.KvGet("ns", "before").Should().NotBeNull();
        Reads.KvGet("ns", "after").Should().NotBeNull();
        (Reads.KvGet("ns", "nested") is not null).Should().Be(kept);
    }

    [Fact]
    public async Task ANestedPartThatThrows_IsUndone_AndTheExceptionGoesOn()
    {
        var caught = await Run(u =>
        {
            u.Kv.Put("ns", "before", "1");
            try
            {
                u.Nested<int>(() => { u.Kv.Put("ns", "nested", "2"); throw new DomainError(Fault.InvalidQuery, "no"); }, _ => true);
            }
            catch (DomainError e)
            {
                u.Kv.Put("ns", "after", "3");
                return e.Message;
            }
            return "not thrown";
        });

        caught.Should().Be("no");
        Reads.KvList("ns").Select(e => e.Key).Should().Equal("after", "before");
    }

    [Fact]
    public async Task NestedParts_Nest_AndUndoingTheInnerKeepsTheOuter()
    {
        await Run(u => u.Nested(() =>
        {
            u.Kv.Put("ns", "outer", "1");
            u.Nested(() => { u.Kv.Put("ns", "inner", "2"); return false; }, keep => keep);
            return true;
        }, keep => keep));

        Reads.KvList("ns").Select(e => e.Key).Should().Equal("outer");
    }

    [Fact]
    public async Task TheCaller_IsAnsweredOnlyAfterTheCommit_SoAReadRightAfterSeesTheWrite()
    {
        var pid = await Pipeline();
        for (var i = 0; i < 30; i++)
        {
            var key = "k" + i;
            var written = Run(u => { u.Kv.Put("ns", key, "1"); return TaskLeaseServer.Lifecycle.Creation.Tasks(u, [New(pid)]); });
            var others = Run(u => { u.Kv.Put("other", key, "1"); return true; });

            var id = (await written)[0];

            Reads.KvGet("ns", key).Should().NotBeNull();
            Reads.TaskDetails(id).Should().NotBeNull();
            await others;
        }
    }

    [Fact]
    public async Task EveryUnitOfOneBatch_ReadsTheSameClock_ItsOwnUnitsNow()
    {
        var now = await Run(u => u.Now);
        Advance(1_234);

        (await Run(u => u.Now)).Should().Be(now + 1_234).And.Be(Now);
    }
}
