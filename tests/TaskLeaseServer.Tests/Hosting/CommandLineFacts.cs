using FluentAssertions;
using TaskLeaseServer.Hosting;
using Xunit;

namespace TaskLeaseServer.Tests.Hosting;

public sealed class CommandLineFacts : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("tls-cli-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private Startup Parse(params string[] args) =>
        CommandLine.Parse(args, name => name == "NULLTICKETS_HOME" ? _home : null);

    [Fact]
    public void Defaults_ListenOnLoopback7700_WithTheDbBesideTheConfig()
    {
        var options = Parse().Options!;
        options.Host.Should().Be("127.0.0.1");
        options.Port.Should().Be(7700);
        options.DbPath.Should().Be(Path.Combine(_home, "nulltickets.db"));
        options.ApiToken.Should().BeNull();
    }

    [Fact]
    public void Flags_BeatTheConfigFile_AndARelativeConfigDbIsResolvedBesideIt()
    {
        File.WriteAllText(Path.Combine(_home, "config.json"), """{"port":8100,"db":"data/x.db","api_token":"file"}""");
        Parse().Options!.Should().Match<ServerOptions>(o =>
            o.Port == 8100 && o.DbPath == Path.Combine(_home, "data", "x.db") && o.ApiToken == "file");
        Parse("--port", "9000", "--token", "cli", "--db", "y.db").Options!.Should().Match<ServerOptions>(o =>
            o.Port == 9000 && o.ApiToken == "cli" && o.DbPath == Path.GetFullPath("y.db"));
    }

    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--port", "abc")]
    [InlineData("--host", "not an address")]
    [InlineData("--synchronous", "sometimes")]
    public void BadValues_ExitNonZeroWithAMessage(string flag, string value)
    {
        var startup = Parse(flag, value);
        startup.Options.Should().BeNull();
        startup.ExitCode.Should().NotBe(0);
        startup.Error.Should().Contain(value);
    }

    [Fact]
    public void MaxBodyBytes_Defaults65536_ComesFromTheFlagOrConfig_AndIsBounded()
    {
        Parse().Options!.MaxBodyBytes.Should().Be(65_536);
        Parse("--max-body-bytes", "1048576").Options!.MaxBodyBytes.Should().Be(1_048_576);
        File.WriteAllText(Path.Combine(_home, "config.json"), """{"max_body_bytes":200000}""");
        Parse().Options!.MaxBodyBytes.Should().Be(200_000);
        Parse("--max-body-bytes", "100").Error.Should().Contain("max_body_bytes");
        Parse("--max-body-bytes", "lots").Error.Should().Contain("lots");
        Flags.Usage().Should().Contain("--max-body-bytes N");
    }

    [Theory]
    [InlineData(":memory:")]
    [InlineData("file:x.db?mode=rwc")]
    public void SqliteUris_PassThroughUntouched(string db) => Parse("--db", db).Options!.DbPath.Should().Be(db);

    [Fact]
    public void AnEmptyToken_MeansNoToken() => Parse("--token", "").Options!.ApiToken.Should().BeNull();

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(long.MaxValue)]
    public void RetentionOutOfRange_ExitsNonZero(long retention)
    {
        File.WriteAllText(Path.Combine(_home, "config.json"), $$"""{"idempotency_retention_ms":{{retention}}}""");
        Parse().ExitCode.Should().NotBe(0);
    }

    [Fact]
    public void AMalformedConfigFile_ExitsNonZero()
    {
        File.WriteAllText(Path.Combine(_home, "config.json"), "{ nope");
        var startup = Parse();
        startup.ExitCode.Should().NotBe(0);
        startup.Error.Should().Contain("config.json");
    }

    private Startup ParseWithEnv(Dictionary<string, string> env, params string[] args) =>
        CommandLine.Parse(args, name => name == "NULLTICKETS_HOME" ? _home : env.GetValueOrDefault(name));

    [Theory]
    [InlineData("--tokne", "--token")]
    [InlineData("--prot", "--port")]
    [InlineData("--token_file", "--token-file")]
    public void AnUnknownFlag_Exits2_NamingTheNearestKnownFlag(string typo, string nearest)
    {
        var startup = Parse(typo, "x");
        startup.Options.Should().BeNull();
        startup.ExitCode.Should().Be(2);
        startup.Error.Should().Be($"error: unknown flag {typo}; did you mean {nearest}? (--help lists every flag)");
    }

    [Fact]
    public void AFlagWithoutItsValue_OrAStrayArgument_Exits2()
    {
        Parse("--port").Error.Should().Be("error: --port needs a value");
        Parse("7700").ExitCode.Should().Be(2);
    }

    [Fact]
    public void FlagEqualsValue_IsTheSameAsTwoArguments() => Parse("--port=9001").Options!.Port.Should().Be(9001);

    [Fact]
    public void TheTestHostsOwnSwitches_AreIgnored() =>
        Parse("--environment=Development", "--contentRoot=/tmp", "--applicationName=TaskLeaseServer").Options.Should().NotBeNull();

    [Fact]
    public void AnUnknownConfigKey_Exits2_NamingTheNearestKnownKey()
    {
        File.WriteAllText(Path.Combine(_home, "config.json"), """{"port":8100,"api_tokn":"x"}""");
        var startup = Parse();
        startup.ExitCode.Should().Be(2);
        startup.Error.Should().EndWith("unknown key \"api_tokn\"; did you mean \"api_token\"?");
    }

    [Fact]
    public void AnExplicitConfigThatDoesNotExist_Exits2_ButAMissingDefaultOneMeansDefaults()
    {
        Parse("--config", Path.Combine(_home, "missing.json")).ExitCode.Should().Be(2);
        Parse().Options.Should().NotBeNull();
    }

    [Fact]
    public void Help_ListsEveryFlagAndConfigKey_AndExits0()
    {
        var startup = Parse("--help");
        startup.ExitCode.Should().Be(0);
        startup.Options.Should().BeNull();
        foreach (var setting in Flags.All)
            startup.Output.Should().Contain(setting.Flag ?? setting.ConfigKey);
    }

    [Fact]
    public void TheToken_ComesFromTheFlag_ThenTheFile_ThenTheEnvironment_ThenTheConfigFile()
    {
        File.WriteAllText(Path.Combine(_home, "config.json"), """{"api_token":"from-config"}""");
        var file = Path.Combine(_home, "token");
        File.WriteAllText(file, "from-file\r\n");
        var env = new Dictionary<string, string> { ["NULLTICKETS_API_TOKEN"] = "from-env" };

        ParseWithEnv(env, "--token", "from-flag").Options!.ApiToken.Should().Be("from-flag");
        ParseWithEnv(env, "--token-file", file).Options!.Should().Match<ServerOptions>(o => o.ApiToken == "from-file" && o.ApiTokenSource == "--token-file");
        ParseWithEnv(env).Options!.ApiToken.Should().Be("from-env");
        ParseWithEnv([]).Options!.ApiToken.Should().Be("from-config");
        ParseWithEnv(env, "--token", "x", "--token-file", file).Error.Should().Contain("not both");
    }

    [Fact]
    public void AnEmptyOrMissingTokenFile_Exits2()
    {
        var empty = Path.Combine(_home, "empty");
        File.WriteAllText(empty, "\n");
        Parse("--token-file", empty).Error.Should().Contain("is empty");
        Parse("--token-file", Path.Combine(_home, "absent")).ExitCode.Should().Be(2);
    }

    [Fact]
    public void Version_PrintsNameAndVersion()
    {
        var startup = Parse("--version");
        startup.ExitCode.Should().Be(0);
        startup.Output.Should().StartWith("TaskLeaseServer v");
        startup.Error.Should().Be(startup.Output, "the reference printed its version to standard error");
    }
}

public sealed class LauncherCommandFacts : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("tls-launch-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public void ExportManifest_DescribesTheServerForTheLauncher()
    {
        var startup = CommandLine.Parse(["--export-manifest"], _ => null);
        startup.ExitCode.Should().Be(0);
        using var manifest = System.Text.Json.JsonDocument.Parse(startup.Output!);
        manifest.RootElement.GetProperty("schema_version").GetInt32().Should().Be(1);
        manifest.RootElement.GetProperty("name").GetString().Should().Be("nulltickets");
        manifest.RootElement.GetProperty("health").GetProperty("endpoint").GetString().Should().Be("/health");
    }

    [Fact]
    public void FromJson_WritesTheConfigFile_ThatTheServerThenReads()
    {
        var dir = Path.Combine(_home, "sub");
        var startup = CommandLine.Parse(["--from-json", $$"""{"port":"8123","db_path":"x.db","api_token":"tok","home":"{{dir}}"}"""], _ => null);
        startup.Should().Match<Startup>(s => s.ExitCode == 0 && s.Output == """{"status":"ok"}""");
        File.ReadAllText(Path.Combine(dir, "config.json")).Should().Be("{\n  \"port\": 8123,\n  \"db\": \"x.db\",\n  \"api_token\": \"tok\"\n}\n");
        CommandLine.Parse([], n => n == "NULLTICKETS_HOME" ? dir : null).Options!
            .Should().Match<ServerOptions>(o => o.Port == 8123 && o.ApiToken == "tok" && o.DbPath == Path.Combine(dir, "x.db"));
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("{nope")]
    public void FromJson_RejectsANonObject(string json) =>
        CommandLine.Parse(["--from-json", json], _ => _home).ExitCode.Should().Be(1);
}
