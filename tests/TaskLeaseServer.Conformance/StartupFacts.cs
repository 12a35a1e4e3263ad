using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>
/// Issue 14, items 2-4, against the real process: what a mistyped command line, a taken port, a bad
/// database file or a second server on the same file do. Every refusal is one line and a documented
/// exit status: 0 --help, 1 the database cannot be opened, 2 configuration, port or database held.
/// (CONTRACT §9 ignored unknown arguments and keys; docs/api.md says why we differ.)
/// </summary>
public sealed class StartupFacts : IDisposable
{
    private readonly string _dir = ServerProcess.NewTempDir();

    public void Dispose() => ServerProcess.TryDeleteDirectory(_dir);

    private string Dir(string name)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(path);
        return path;
    }

    private string Db(string name) => Path.Combine(_dir, name);

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);

    private Task<(int ExitCode, string Output)> Run(params string[] args) => ProcessRuns.RunToExitAsync(args, Dir("home"), Dir("work"));

    [Fact]
    public async Task AMistypedFlag_StopsStartUp_NamingTheNearestFlag()
    {
        var (exit, output) = await Run("--tokne", "s3cret", "--db", Db("typo.db"));

        exit.Should().Be(2, output);
        output.Trim().Should().Be("error: unknown flag --tokne; did you mean --token? (--help lists every flag)");
        File.Exists(Db("typo.db")).Should().BeFalse("nothing is served, no database is opened");
    }

    [Fact]
    public async Task AMistypedConfigKey_StopsStartUp_NamingTheNearestKey()
    {
        var config = Path.Combine(Dir("cfg"), "config.json");
        await File.WriteAllTextAsync(config, """{"api_tokn":"x"}""");

        var (exit, output) = await Run("--config", config, "--db", Db("key.db"));

        exit.Should().Be(2, output);
        output.Trim().Should().Be($"error: config file {config}: unknown key \"api_tokn\"; did you mean \"api_token\"?");
    }

    [Fact]
    public async Task AnExplicitConfigThatDoesNotExist_IsAnError()
    {
        var missing = Path.Combine(_dir, "nope.json");
        var (exit, output) = await Run("--config", missing, "--db", Db("c.db"));

        exit.Should().Be(2, output);
        output.Should().Contain(missing).And.Contain("does not exist");
    }

    [Fact]
    public async Task Help_PrintsEveryFlag_AndExitsZero_WithoutOpeningADatabase()
    {
        var (exit, output) = await Run("--help");

        exit.Should().Be(0, output);
        foreach (var flag in new[] { "--port", "--host", "--db", "--token", "--token-file", "--config", "--sweep-interval-ms",
                     "--synchronous", "--log-format", "--help", "--version", "--export-manifest", "--from-json", "NULLTICKETS_API_TOKEN" })
            output.Should().Contain(flag);
        Directory.EnumerateFiles(_dir, "*.db*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task APortInUse_IsOneLine_AndExitStatus2()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var (exit, output) = await Run("--port", Str(port), "--db", Db("port.db"));

        exit.Should().Be(2, output);
        output.Should().Contain($"error: port {port} on 127.0.0.1 is in use; pass --port");
        output.Should().NotContain("   at ", "no stack trace");
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.Should().BeLessThan(3, "the start-up line and the one error line, nothing after: {0}", output);
    }

    [Fact]
    public async Task ADatabaseThatCannotBeOpened_IsOneLine_AndExitStatus1()
    {
        var db = Db("garbage.db");
        await File.WriteAllBytesAsync(db, Enumerable.Range(0, 8192).Select(i => (byte)(i * 7)).ToArray());

        var (exit, output) = await Run("--port", Str(ServerProcess.FreePort()), "--db", db);

        exit.Should().Be(1, output);
        output.Should().Contain($"error: cannot open the database {db}:").And.NotContain("   at ");
    }

    [Fact]
    public async Task ASecondServerOnTheSameFile_Refuses_NamingTheHolder_UntilTheHolderIsGone()
    {
        var db = Db("shared.db");
        var first = await ServerProcess.StartAsync(new ServerOptions { Db = db }, Dir("first"));
        try
        {
            var (exit, output) = await Run("--port", Str(ServerProcess.FreePort()), "--db", db);

            exit.Should().Be(2, output);
            output.Should().Contain($"the database {db} is in use by another server (pid {first.Pid}: ");
            output.Should().Contain("--port " + Str(first.Port), "the holder's command line is named");
            output.Should().Contain("PostgreSQL").And.NotContain("   at ");
            using var api = new Api(first.BaseAddress);
            Expect.Status(await api.GetAsync("/health"), 200);
        }
        finally
        {
            await first.StopAsync(); // kill -9: the OS releases the lock with the process
        }

        await using var second = await ServerProcess.StartAsync(new ServerOptions { Db = db }, Dir("second"));
        using var again = new Api(second.BaseAddress);
        Expect.Status(await again.GetAsync("/health"), 200);
    }

    [Fact]
    public async Task InMemoryDatabases_AreNotLocked()
    {
        await using var one = await ServerProcess.StartAsync(new ServerOptions { Db = ":memory:" }, Dir("m1"));
        await using var two = await ServerProcess.StartAsync(new ServerOptions { Db = ":memory:" }, Dir("m2"));
        using var api = new Api(two.BaseAddress);
        Expect.Status(await api.GetAsync("/health"), 200);
    }

    [Fact]
    public async Task TheTokenComesFromTheEnvironment_OrATokenFileThatWins()
    {
        var env = new Dictionary<string, string> { ["NULLTICKETS_API_TOKEN"] = "env-token" };
        var port = ServerProcess.FreePort();
        await using (await ProcessRuns.LaunchServingAsync(["--port", Str(port), "--db", Db("env.db")], Dir("home"), Dir("work"), port, env))
        {
            using var api = new Api(new Uri($"http://127.0.0.1:{port}/"));
            Expect.Error(await api.GetAsync("/tasks"), 401, "unauthorized");
            Expect.Status(await api.GetAsync("/tasks", "Bearer env-token"), 200);
        }

        var tokenFile = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(tokenFile, "file-token\n");
        port = ServerProcess.FreePort();
        await using (var running = await ProcessRuns.LaunchServingAsync(
            ["--port", Str(port), "--db", Db("file.db"), "--token-file", tokenFile], Dir("home"), Dir("work"), port, env))
        {
            using var api = new Api(new Uri($"http://127.0.0.1:{port}/"));
            Expect.Status(await api.GetAsync("/tasks", "Bearer file-token"), 200); // the trailing newline is not part of the token
            Expect.Error(await api.GetAsync("/tasks", "Bearer env-token"), 401, "unauthorized");
            running.Output.Should().Contain("API token on (--token-file)").And.NotContain("file-token");
        }

        var (exit, output) = await Run("--token", "a", "--token-file", tokenFile, "--db", Db("both.db"));
        exit.Should().Be(2, output);
        output.Should().Contain("either --token or --token-file");
    }

    [Fact]
    public async Task ANonLoopbackHostWithoutAToken_LogsAWarning()
    {
        var port = ServerProcess.FreePort();
        await using var running = await ProcessRuns.LaunchServingAsync(
            ["--host", "0.0.0.0", "--port", Str(port), "--db", Db("open.db")], Dir("home"), Dir("work"), port);

        running.Output.Should().MatchRegex(@"WRN\] Listening on 0\.0\.0\.0 without an API token");
    }
}
