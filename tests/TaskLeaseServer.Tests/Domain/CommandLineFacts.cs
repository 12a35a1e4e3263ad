using FluentAssertions;
using TaskLeaseServer.Hosting;
using Xunit;

namespace TaskLeaseServer.Tests.Domain;

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
    public void AMalformedConfigFile_ExitsNonZero()
    {
        File.WriteAllText(Path.Combine(_home, "config.json"), "{ nope");
        var startup = Parse();
        startup.ExitCode.Should().NotBe(0);
        startup.Error.Should().Contain("config.json");
    }

    [Fact]
    public void Version_PrintsNameAndVersion()
    {
        var startup = Parse("--version");
        startup.ExitCode.Should().Be(0);
        startup.Output.Should().StartWith("TaskLeaseServer v");
    }
}
