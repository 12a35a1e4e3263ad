using System.Globalization;

namespace TaskLeaseServer.Bench;

/// <summary>What to run and how big: the command line, with sizes that shrink under --smoke.</summary>
public sealed record BenchOptions
{
    public static readonly string[] AllScenarios = ["cycle", "backlog", "bulk", "store", "memory", "storage", "nodes", "filters", "wake", "streams", "client", "ui", "ui-soak"];

    public static readonly string[] LongScenarios = ["ui-soak"];

    public required IReadOnlyList<string> Scenarios { get; init; }
    /// <summary>Measured seconds per phase (warm-up comes on top).</summary>
    public double Seconds { get; init; } = 10;
    public bool Smoke { get; init; }
    /// <summary>The engine of the servers the scenarios start: sqlite (a temp file) or postgresql (a database on a throwaway cluster).</summary>
    public string Engine { get; init; } = "sqlite";
    /// <summary>Target an already running server instead of starting one (memory is then not measured).</summary>
    public Uri? Url { get; init; }
    public string? ApiToken { get; init; }
    public string? ServerDll { get; init; }
    public int Agents { get; init; } = 16;
    /// <summary>Concurrent agents for the backlog claims: a few, so queueing does not hide the claim.</summary>
    public int BacklogAgents { get; init; } = 4;
    public int BulkClients { get; init; } = 4;
    public int SmallBacklog { get; init; } = 1_000;
    public int LargeBacklog { get; init; } = 1_000_000;
    public int BlockedTasks { get; init; } = 100_000;
    public int SmallStore { get; init; } = 1_000;
    public int LargeStore { get; init; } = 100_000;
    /// <summary>Tasks in the table the filters scenario pages through.</summary>
    public int FilterTasks { get; init; } = 1_000_000;
    /// <summary>How long the ui-soak scenario keeps its live pages open, and how many.</summary>
    public double SoakMinutes { get; init; } = 60;
    public int UiPages { get; init; } = 20;
    /// <summary>Tasks in the table the ui scenario pages through, and the rounds of page loads it times.</summary>
    public int UiTasks { get; init; } = 1_000_000;
    public int UiRounds { get; init; } = 20;

    public const string Usage = """
        usage: TaskLeaseServer.Bench [--scenario cycle|backlog|bulk|store|memory|storage|nodes|filters|wake|streams|client|ui|ui-soak|all[,...]] [--seconds N] [--smoke]
                                     [--engine sqlite|postgresql]
                                     [--url http://127.0.0.1:7700] [--token T] [--server-dll PATH] [--agents N]
                                     [--large N] [--blocked N] [--store-large N] [--filter-tasks N]
                                     [--ui-tasks N] [--ui-rounds N] [--soak-minutes N] [--ui-pages N]
          Starts the server (src/TaskLeaseServer/bin/Release/net10.0/TaskLeaseServer.dll, build it with
          `dotnet build -c Release`) on a temporary database and a free loopback port, unless --url is given.
          --engine postgresql: every server the run starts gets a fresh database on a throwaway PostgreSQL cluster
          (initdb + pg_ctl from /usr/lib/postgresql/*/bin). The nodes scenario always compares SQLite, one
          PostgreSQL node and three PostgreSQL nodes.
          ui-soak: --ui-pages live dashboard pages for --soak-minutes (default 20 pages, 60 min; "all" leaves it out).
          --smoke: tiny sizes, about a second per scenario; exits non-zero on any error, never on a missed target.
        """;

    public static BenchOptions Parse(string[] args)
    {
        var smoke = args.Contains("--smoke");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--smoke") continue;
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"unexpected argument \"{args[i]}\"");
            values[args[i]] = args[++i];
        }

        var scenarios = (values.GetValueOrDefault("--scenario") ?? "all")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // "all" leaves out the hour-long soak unless it is shrunk by --smoke: name it to run it.
        if (scenarios.Contains("all")) scenarios = smoke ? AllScenarios : [.. AllScenarios.Except(LongScenarios)];
        foreach (var s in scenarios)
        {
            if (!AllScenarios.Contains(s)) throw new ArgumentException($"unknown scenario \"{s}\"");
        }

        var options = smoke
            ? new BenchOptions
            {
                Scenarios = scenarios, Smoke = true, Seconds = 1, Agents = 4, BacklogAgents = 2, BulkClients = 2,
                SmallBacklog = 200, LargeBacklog = 2_000, BlockedTasks = 500, SmallStore = 100, LargeStore = 1_000, FilterTasks = 2_000,
                SoakMinutes = 0.1, UiPages = 3, UiTasks = 2_000,
            }
            : new BenchOptions { Scenarios = scenarios };
        var engine = values.GetValueOrDefault("--engine") ?? "sqlite";
        if (engine is not ("sqlite" or "postgresql")) throw new ArgumentException($"--engine must be sqlite or postgresql, not \"{engine}\"");
        return options with
        {
            Engine = engine,
            Seconds = Number(values, "--seconds", options.Seconds),
            Url = values.TryGetValue("--url", out var url) ? new Uri(url) : null,
            ApiToken = values.GetValueOrDefault("--token"),
            ServerDll = values.GetValueOrDefault("--server-dll"),
            Agents = (int)Number(values, "--agents", options.Agents),
            LargeBacklog = (int)Number(values, "--large", options.LargeBacklog),
            BlockedTasks = (int)Number(values, "--blocked", options.BlockedTasks),
            LargeStore = (int)Number(values, "--store-large", options.LargeStore),
            FilterTasks = (int)Number(values, "--filter-tasks", options.FilterTasks),
            UiTasks = (int)Number(values, "--ui-tasks", options.UiTasks),
            UiRounds = (int)Number(values, "--ui-rounds", options.UiRounds),
            SoakMinutes = Number(values, "--soak-minutes", options.SoakMinutes),
            UiPages = (int)Number(values, "--ui-pages", options.UiPages),
        };
    }

    private static double Number(Dictionary<string, string> values, string name, double fallback)
    {
        if (!values.TryGetValue(name, out var text)) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n <= 0)
            throw new ArgumentException($"{name} must be a positive number, not \"{text}\"");
        return n;
    }
}
