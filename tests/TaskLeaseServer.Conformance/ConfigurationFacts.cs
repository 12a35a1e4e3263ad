using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>
/// §12 items 143-148: command line, config file, persistence (CONTRACT §9). Each fact starts its
/// own processes; the class fixture only supplies the version a running server reports.
/// </summary>
public sealed class ConfigurationFacts(DefaultServer fixture) : IClassFixture<DefaultServer>, IDisposable
{
    private readonly string _dir = ServerProcess.NewTempDir();

    public void Dispose() => ServerProcess.TryDeleteDirectory(_dir);

    private string Dir(string name)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(path);
        return path;
    }

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Proves the default with the real process whether or not 7700 is free: the README's own server
    /// may hold it while `dotnet test` runs (issue 14). Started without flags or config, the server
    /// either serves on 127.0.0.1:7700 or, when something else holds that port, refuses to start
    /// with the one line naming 127.0.0.1 port 7700. Either answer names the default; neither skips.
    /// </summary>
    [Fact]
    public async Task Item143_WithoutFlagsOrConfigTheServerListensOn127001Port7700()
    {
        var (process, output) = ServerProcess.Launch([], Dir("home"), Dir("work"));
        await using var running = new Running(process, output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };

        var serving = false;
        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited) return true;
            serving = output.Text.Contains("Now listening on: http://127.0.0.1:7700", StringComparison.Ordinal) &&
                      await AnswersHealthAsync(http);
            return serving;
        }, TimeSpan.FromSeconds(20), "the server to serve on 127.0.0.1:7700 or to refuse the port");

        if (serving) return;
        await process.WaitForExitAsync();
        process.WaitForExit();
        process.ExitCode.Should().Be(2, "7700 is taken, so the default port cannot be bound; output: {0}", output.Text);
        output.Text.Should().Contain("error: port 7700 on 127.0.0.1 is in use; pass --port");
        ProcessRuns.PortIsFree(7700).Should().BeFalse("the server refused 7700 only because another process holds it");
    }

    private static async Task<bool> AnswersHealthAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("http://127.0.0.1:7700/health"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Item144_PortDbAndTokenFlagsOverrideTheConfigFile()
    {
        var home = Dir("home");
        var configPort = ServerProcess.FreePort();
        var flagPort = ServerProcess.FreePort();
        await File.WriteAllTextAsync(Path.Combine(home, "config.json"),
            $$"""{"port":{{configPort}},"db":"from-config.db","api_token":"config-token"}""");
        var flagDb = Path.Combine(_dir, "from-flag.db");

        await using var server = await ProcessRuns.LaunchServingAsync(
            ["--port", Str(flagPort), "--db", flagDb, "--token", "flag-token"], home, Dir("work"), flagPort);

        ProcessRuns.PortIsFree(configPort).Should().BeTrue("the --port flag wins over the config file's port");
        File.Exists(flagDb).Should().BeTrue("the --db flag wins over the config file's db");
        File.Exists(Path.Combine(home, "from-config.db")).Should().BeFalse();
        using var api = new Api(new Uri($"http://127.0.0.1:{flagPort}/"));
        Expect.Status(await api.GetAsync("/tasks", "Bearer flag-token"), 200);
        Expect.Error(await api.GetAsync("/tasks", "Bearer config-token"), 401, "unauthorized");
    }

    [Fact]
    public async Task Item145_RelativeDbInAConfigFileIsResolvedAgainstTheConfigFilesDirectory()
    {
        var configDir = Dir("cfg");
        var work = Dir("work");
        var port = ServerProcess.FreePort();
        var config = Path.Combine(configDir, "server-config.json");
        await File.WriteAllTextAsync(config, $$"""{"port":{{port}},"db":"sub/rel.db"}""");

        await using (await ProcessRuns.LaunchServingAsync(["--config", config], Dir("home"), work, port))
        {
            File.Exists(Path.Combine(configDir, "sub", "rel.db")).Should().BeTrue("a relative db is resolved against the config file's directory");
            File.Exists(Path.Combine(work, "sub", "rel.db")).Should().BeFalse("not against the working directory");
        }

        // The built-in default db name follows the same rule.
        var defaultDir = Dir("cfg-default");
        var port2 = ServerProcess.FreePort();
        var config2 = Path.Combine(defaultDir, "c.json");
        await File.WriteAllTextAsync(config2, $$"""{"port":{{port2}}}""");
        await using (await ProcessRuns.LaunchServingAsync(["--config", config2], Dir("home2"), work, port2))
        {
            File.Exists(Path.Combine(defaultDir, "nulltickets.db")).Should().BeTrue("the default db lives beside the config file");
            File.Exists(Path.Combine(work, "nulltickets.db")).Should().BeFalse();
        }
    }

    [Fact]
    public async Task Item146_NullticketsHomeSelectsTheConfigFile()
    {
        var home = Dir("home");
        var port = ServerProcess.FreePort();
        await File.WriteAllTextAsync(Path.Combine(home, "config.json"),
            $$"""{"port":{{port}},"db":"home.db","api_token":"home-token"}""");

        await using var server = await ProcessRuns.LaunchServingAsync([], home, Dir("work"), port);

        File.Exists(Path.Combine(home, "home.db")).Should().BeTrue();
        using var api = new Api(new Uri($"http://127.0.0.1:{port}/"));
        Expect.Error(await api.GetAsync("/tasks"), 401, "unauthorized");
        Expect.Status(await api.GetAsync("/tasks", "Bearer home-token"), 200);
    }

    [Fact]
    public async Task Item147_VersionPrintsNameAndVersionAndExitsZeroWithoutOpeningADatabase()
    {
        var expectedVersion = (await fixture.Api.GetAsync("/health")).Json.Str("version")!;
        var home = Dir("home");
        var work = Dir("work");
        var db = Path.Combine(_dir, "never.db");

        var (exitCode, output) = await ProcessRuns.RunToExitAsync(["--version", "--db", db], home, work);

        exitCode.Should().Be(0, "--version exits 0 (output: {0})", output);
        output.Should().Contain(expectedVersion, "it prints the version /health reports");
        output.Should().MatchRegex("[A-Za-z]", "it prints the server's name");
        File.Exists(db).Should().BeFalse("--version opens no database");
        Directory.EnumerateFiles(_dir, "*.db*", SearchOption.AllDirectories).Should().BeEmpty("--version creates no database anywhere");
    }

    [Fact]
    public async Task Item148_DataSurvivesARestartOnTheSameDatabaseFile()
    {
        var db = Path.Combine(_dir, "persist.db");
        var options = new ServerOptions { Db = db };
        string taskBody, taskId, key;
        Pipeline pipeline;
        Lease lease;
        string pipelineBefore, taskBefore, eventsBefore, storeBefore;
        var ns = Flow.Unique("ns");

        await using (var first = await ServerProcess.StartAsync(options, Dir("first")))
        {
            using var api = new Api(first.BaseAddress);
            pipeline = await api.CreatePipelineAsync();
            key = Flow.Unique("key");
            taskBody = Flow.TaskBody(pipeline.Id, new { metadata = new { k = "v" } }).ToJsonString();
            var created = await api.PostAsync("/tasks", taskBody, headers: new Dictionary<string, string> { ["Idempotency-Key"] = key });
            Expect.Status(created, 201);
            taskId = created.Json.Str("id")!;
            lease = await api.ClaimOneAsync(pipeline.WorkRole);
            Expect.Status(await api.AppendEventAsync(lease, "note", JsonNode.Parse("""{"n":1}""")), 201);
            Expect.Status(await api.PutAsync($"/store/{ns}/k", """{"value":{"kept":true}}"""), 204);

            pipelineBefore = (await api.GetAsync("/pipelines/" + pipeline.Id)).Body;
            taskBefore = (await api.GetAsync("/tasks/" + taskId)).Body;
            eventsBefore = (await api.GetAsync($"/runs/{lease.RunId}/events")).Body;
            storeBefore = (await api.GetAsync($"/store/{ns}/k")).Body;
        }

        await using var second = await ServerProcess.StartAsync(options, Dir("second"));
        using var again = new Api(second.BaseAddress);
        (await again.GetAsync("/pipelines/" + pipeline.Id)).Body.Should().Be(pipelineBefore);
        (await again.GetAsync("/tasks/" + taskId)).Body.Should().Be(taskBefore, "the task and its running run survive");
        (await again.GetAsync($"/runs/{lease.RunId}/events")).Body.Should().Be(eventsBefore);
        (await again.GetAsync($"/store/{ns}/k")).Body.Should().Be(storeBefore);

        var replay = await again.PostAsync("/tasks", taskBody, headers: new Dictionary<string, string> { ["Idempotency-Key"] = key });
        Expect.Status(replay, 201);
        replay.Json.Str("id").Should().Be(taskId, "the idempotency record survives");
        (await again.AllTasksAsync(pipeline.Id)).Should().HaveCount(1);

        Expect.Status(await again.HeartbeatAsync(lease), 200);
        (await again.ClaimAsync(pipeline.WorkRole)).Should().BeNull("the lease survives and still holds the task");
        Expect.Status(await again.TransitionAsync(lease, "finish"), 200);
    }

    [Fact]
    public async Task InvalidPortExitsNonZeroWithAMessage()
    {
        foreach (var port in new[] { "70000", "abc", "-1", "" })
        {
            var (exitCode, output) = await ProcessRuns.RunToExitAsync(["--port", port, "--db", Path.Combine(_dir, "p.db")], Dir("home"), Dir("work"));
            exitCode.Should().NotBe(0, "--port '{0}' is invalid", port);
            output.Should().NotBeNullOrWhiteSpace("a bad --port '{0}' is explained", port);
        }
    }

    [Fact]
    public async Task MalformedConfigFileExitsNonZeroWithAMessage()
    {
        foreach (var text in new[] { "{not json", "[1,2]", """{"port":"high"}""", """{"port":123456}""" })
        {
            var home = Dir("home-" + Guid.NewGuid().ToString("N")[..6]);
            await File.WriteAllTextAsync(Path.Combine(home, "config.json"), text);
            var (exitCode, output) = await ProcessRuns.RunToExitAsync([], home, Dir("work"));
            exitCode.Should().NotBe(0, "config {0} is invalid", text);
            output.Should().NotBeNullOrWhiteSpace("a bad config file is explained");
        }
    }
}
