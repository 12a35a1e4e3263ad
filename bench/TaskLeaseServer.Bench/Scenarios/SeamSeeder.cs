using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>A clock the seeder can set back, so some runs start "minutes ago" (stuck leases) without waiting.</summary>
public sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>
/// Seeds a large table straight through the storage seam: the server's own storage composition on
/// the database, in this process, before the server starts on it (a million tasks over HTTP take
/// minutes). Tasks go in units of <see cref="Unit"/>; after each unit a scenario may add its rare
/// shapes (a canceled task, a failed run...) with the lifecycle helpers below.
/// </summary>
public sealed class SeamSeeder : IAsyncDisposable
{
    public const int Unit = 5_000;
    private readonly ServiceProvider _provider;
    private readonly List<IHostedService> _housekeeping;

    private SeamSeeder(ServiceProvider provider, List<IHostedService> housekeeping, ShiftedClock clock)
    {
        _provider = provider;
        _housekeeping = housekeeping;
        Clock = clock;
        Writer = provider.GetRequiredService<IStorageEngine>().Writer;
    }

    public IWriteExecutor Writer { get; }
    public ShiftedClock Clock { get; }

    public static async Task<SeamSeeder> Open(string db)
    {
        var clock = new ShiftedClock();
        var provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(clock)
            .AddStorageEngine(_ => new StorageOptions(db))
            .BuildServiceProvider();
        provider.GetRequiredService<IStorageEngine>().Migrate();
        var housekeeping = provider.GetServices<IHostedService>().ToList();
        foreach (var service in housekeeping) await service.StartAsync(CancellationToken.None);
        return new SeamSeeder(provider, housekeeping, clock);
    }

    /// <summary>A one-stage pipeline: <paramref name="stage"/> worked by <paramref name="role"/>, then done.</summary>
    public Task<string> Pipeline(string name, string stage, string role)
    {
        var definition = $$$"""
            {"initial":"{{{stage}}}","states":{"{{{stage}}}":{"agent_role":"{{{role}}}"},"done":{"terminal":true}},
             "transitions":[{"from":"{{{stage}}}","to":"done","trigger":"finish"}]}
            """;
        using var doc = JsonDocument.Parse(definition);
        var parsed = PipelineDefinition.Parse(doc.RootElement);
        return Writer.Run(u => Creation.Pipeline(u, name, definition, parsed));
    }

    /// <param name="make">task i of the <paramref name="count"/></param>
    /// <param name="afterUnit">the rare shapes, given the ids of the unit just written</param>
    public async Task<SeedResult> Tasks(int count, Func<int, NewTask> make, Func<IReadOnlyList<string>, Task>? afterUnit = null)
    {
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < count; start += Unit)
        {
            var unit = Enumerable.Range(start, Math.Min(Unit, count - start)).Select(make).ToList();
            var ids = await Writer.Run(u => Creation.Tasks(u, unit));
            if (afterUnit is not null) await afterUnit(ids);
        }
        return new SeedResult(count, clock.Elapsed);
    }

    /// <summary>Creates <paramref name="task"/> and claims it as <paramref name="role"/>, which must have no other claimable task.</summary>
    public Task<ClaimResult> CreateAndClaim(NewTask task, string role, string agent, long ttlMs) => Writer.Run(u =>
    {
        Creation.Tasks(u, [task]);
        return Claims.Claim(u, new ClaimRequest(agent, role, ttlMs, new Dictionary<string, long>()))
            ?? throw new InvalidOperationException($"the seeded task of role {role} was not claimed");
    });

    /// <summary>Fails the claimed run: a retry (after the task's delay) or, out of attempts, a dead letter.</summary>
    public Task Fail(ClaimResult claim) => Writer.Run(u =>
    {
        var hash = LeaseToken.HashOf(claim.LeaseToken)!;
        var (lease, _) = LeaseHolder.Authorize(u, claim.Run.Id, hash, () => true);
        LeaseHolder.Fail(u, lease, hash, new FailureReport("seeded failure", null));
        return true;
    });

    public Task Cancel(string taskId) => Writer.Run(u => Operators.Cancel(u, taskId, new CancelCommand("bench", null), "bench"));

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _housekeeping) await service.StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
    }
}
