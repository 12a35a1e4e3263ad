using FluentAssertions;
using TaskLeaseServer.Hosting;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Postgres;
using Xunit;

namespace TaskLeaseServer.Tests.Hosting;

/// <summary>--db, NULLTICKETS_DB and the config's db as a postgresql:// URL (EXTENSIONS §15).</summary>
public sealed class DatabaseUrlFacts : IDisposable
{
    private const string Url = "postgresql://tls:s3cr%40t@db.example:6543/tasks?sslmode=require&application_name=node-1";
    private readonly string _home = Directory.CreateTempSubdirectory("tls-cli-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private Startup Parse(string? envDb, params string[] args) =>
        CommandLine.Parse(args, name => name switch
        {
            "NULLTICKETS_HOME" => _home,
            "NULLTICKETS_DB" => envDb,
            _ => null,
        });

    [Theory]
    [InlineData(Url)]
    [InlineData("postgres://u@localhost/db")]
    public void AUrl_PassesThroughUntouched_FromTheFlagTheEnvironmentOrTheConfig(string url)
    {
        Parse(null, "--db", url).Options!.DbPath.Should().Be(url);
        Parse(url).Options!.DbPath.Should().Be(url);
        File.WriteAllText(Path.Combine(_home, "config.json"), $$"""{"db":"{{url}}"}""");
        Parse(null).Options!.DbPath.Should().Be(url);
    }

    [Fact]
    public void TheFlagBeatsTheEnvironment_WhichBeatsTheConfig()
    {
        File.WriteAllText(Path.Combine(_home, "config.json"), """{"db":"postgresql://u@config/db"}""");

        Parse("postgresql://u@env/db", "--db", "postgresql://u@flag/db").Options!.DbPath.Should().Be("postgresql://u@flag/db");
        Parse("postgresql://u@env/db").Options!.DbPath.Should().Be("postgresql://u@env/db");
        Parse("rel.db").Options!.DbPath.Should().Be(Path.GetFullPath("rel.db"));
    }

    [Fact]
    public void ABadUrl_IsAConfigurationError_ThatNeverShowsThePassword()
    {
        var startup = Parse(null, "--db", "postgresql://u:hunter2@host/db?pool=9");

        startup.ExitCode.Should().Be(2);
        startup.Error.Should().Contain("pool").And.NotContain("hunter2");
    }

    [Fact]
    public void TheUrl_BecomesAConnectionString_AndIsLoggedWithoutThePassword()
    {
        var builder = PostgresUrl.Parse(Url);

        builder.Should().Match<Npgsql.NpgsqlConnectionStringBuilder>(b => b.Host == "db.example" && b.Port == 6543 &&
            b.Username == "tls" && b.Password == "s3cr@t" && b.Database == "tasks" && b.SslMode == Npgsql.SslMode.Require &&
            b.ApplicationName == "node-1");
        PostgresUrl.Redacted(builder).Should().Be("postgresql://tls:***@db.example:6543/tasks");
        StorageOptions.Display(Url).Should().NotContain("s3cr").And.StartWith("postgresql://tls:***@db.example");
    }

    [Fact]
    public void TheEngine_ReportsItsLocationRedacted()
    {
        using var engine = new PostgresEngine(new StorageOptions(Url), new CommitSignal(), TimeProvider.System);

        engine.Name.Should().Be("postgresql");
        engine.Location.Should().Be("postgresql://tls:***@db.example:6543/tasks");
    }

    [Fact]
    public void EveryWaitOnTheDatabase_IsBounded_ByDefaultOrAsTheUrlSays()
    {
        var defaults = PostgresUrl.Parse("postgresql://u@h/db");
        var given = PostgresUrl.Parse("postgresql://u@h/db?connect_timeout=2&command_timeout=3");

        (defaults.Timeout, defaults.CommandTimeout).Should().Be((5, 15));
        (given.Timeout, given.CommandTimeout).Should().Be((2, 3));
        // 0 would be "wait forever" to Npgsql.
        var forever = () => PostgresUrl.Parse("postgresql://u@h/db?command_timeout=0");
        forever.Should().Throw<FormatException>().WithMessage("command_timeout must be a whole number of seconds from 1 to 3600*");
    }
}
