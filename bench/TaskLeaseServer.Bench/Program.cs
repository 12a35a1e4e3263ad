using TaskLeaseServer.Bench;
using TaskLeaseServer.Bench.Harness;
using TaskLeaseServer.Bench.Scenarios;

// The benchmark: start (or target) the server, run the chosen scenarios, print one markdown table.
// Exit code: 0 when every request got an expected answer, 1 on any error or 5xx, 2 on bad usage.
// Missed targets are reported in the table, never in the exit code.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

var report = new Report();
using var context = new BenchContext(options, report);
var failed = new List<string>();
foreach (var scenario in options.Scenarios)
{
    Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {scenario}…");
    try
    {
        await (scenario switch
        {
            "cycle" => CycleScenario.Run(context),
            "bulk" => BulkScenario.Run(context),
            "backlog" => BacklogScenario.Run(context, measureClaims: true, reportMemory: options.Scenarios.Contains("memory")),
            // After the backlog scenario the memory figure is already in the table.
            "memory" when options.Scenarios.Contains("backlog") => Task.CompletedTask,
            "memory" => BacklogScenario.Run(context, measureClaims: false, reportMemory: true),
            "storage" => StorageScenario.Run(context),
            "store" => StoreScenario.Run(context),
            "nodes" => NodesScenario.Run(context),
            "filters" => FilterScenario.Run(context),
            "wake" => WakeScenario.Run(context),
            "streams" => StreamsScenario.Run(context),
            "client" => ClientScenario.Run(context),
            "ui" => UiScenario.Run(context),
            "ui-soak" => UiSoakScenario.Run(context),
            _ => throw new ArgumentException($"unknown scenario {scenario}"),
        });
    }
    catch (Exception e)
    {
        failed.Add($"{scenario}: {e.GetType().Name}: {e.Message}");
    }
}

Console.WriteLine();
Console.WriteLine(report.ToMarkdown());
var (errorCount, firstErrors) = context.Errors();
if (errorCount == 0 && failed.Count == 0) return 0;
Console.Error.WriteLine($"FAILED: {errorCount} unexpected answers, {failed.Count} scenarios aborted");
foreach (var line in failed.Concat(firstErrors)) Console.Error.WriteLine("  " + line);
return 1;
