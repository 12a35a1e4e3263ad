using System.Net;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using TaskLeaseServer.Background;
using TaskLeaseServer.Hosting;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Otlp;

/// <summary>GET /spans (an extension) and OTLP retention.</summary>
public sealed class SpansFacts
{
    [Fact]
    public async Task Spans_ByRunAndByTask_PageWithoutLosingAny()
    {
        await using var server = new ServerFixture();
        var spans = string.Join(",", Enumerable.Range(0, 7).Select(i =>
            $$$"""{"traceId":"tr","spanId":"s{{{i}}}","attributes":[{"key":"nulltickets.run_id","value":{"stringValue":"{{{(i % 2 == 0 ? "run-even" : "run-odd")}}}"}}]}"""));
        await server.Http.PostJson(OtlpClient.JsonRequest(spans, """[{"key":"nulltickets.task_id","value":{"stringValue":"task-1"}}]"""));
        await server.Http.PostJson(OtlpClient.JsonRequest("""{"traceId":"other","spanId":"x"}"""));

        var even = await server.Http.AllSpans("run_id=run-even", pageSize: 2);
        var task = await server.Http.AllSpans("task_id=task-1", pageSize: 3);
        var both = await server.Http.AllSpans("task_id=task-1&run_id=run-odd", pageSize: 1);

        even.Select(SpanId).Should().Equal("s0", "s2", "s4", "s6");
        task.Select(SpanId).Should().Equal("s0", "s1", "s2", "s3", "s4", "s5", "s6");
        both.Select(SpanId).Should().Equal("s1", "s3", "s5");
    }

    [Fact]
    public async Task Spans_Page_HasContractShape_AndCursorIsTheLastSpanId()
    {
        await using var server = new ServerFixture();
        await server.Http.PostJson(OtlpClient.JsonRequest("""{"traceId":"p","spanId":"1"},{"traceId":"p","spanId":"2"},{"traceId":"p","spanId":"3"}"""));

        var first = (await server.Http.GetSpans("trace_id=p&limit=2")).Json;
        var last = (await server.Http.GetSpans("trace_id=p&limit=2&cursor=" + first.GetProperty("next_cursor").GetString())).Json;

        var items = first.GetProperty("items").EnumerateArray().ToList();
        items.Should().HaveCount(2);
        first.GetProperty("next_cursor").GetString().Should().Be(items[^1].GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        items[0].EnumerateObject().Select(p => p.Name).Should().Equal("id", "name", "trace_id", "span_id", "parent_span_id", "kind",
            "start_time_unix_nano", "end_time_unix_nano", "status_code", "status_message", "attributes", "resource_attributes",
            "scope_name", "scope_version", "run_id", "task_id", "batch_id");
        last.GetProperty("items").EnumerateArray().Select(SpanId).Should().Equal("3");
        last.GetProperty("next_cursor").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Spans_WithNoMatch_IsAnEmptyPage()
    {
        await using var server = new ServerFixture();

        var answer = await server.Http.GetSpans("run_id=nobody");

        answer.Status.Should().Be(HttpStatusCode.OK);
        answer.Text.Should().Be("""{"items":[],"next_cursor":null}""");
    }

    [Theory]
    [InlineData("limit=0", "invalid_limit")]
    [InlineData("limit=1001", "invalid_limit")]
    [InlineData("cursor=abc", "invalid_cursor")]
    public async Task Spans_BadPaging_Is400(string query, string code)
    {
        await using var server = new ServerFixture();

        var answer = await server.Http.GetSpans(query);

        answer.Status.Should().Be(HttpStatusCode.BadRequest, answer.Text);
        answer.ErrorCode.Should().Be(code);
    }

    [Fact]
    public async Task Spans_NeedTheApiToken_WhenOneIsConfigured()
    {
        await using var server = new ServerFixture { ApiToken = "secret" };

        var answer = await server.Http.GetSpans("run_id=r");

        answer.Status.Should().Be(HttpStatusCode.Unauthorized, answer.Text);
    }

    [Fact]
    public async Task Retention_DeletesBatchesAndSpansOlderThanTheWindow_AndKeepsNewerOnes()
    {
        await using var server = new ServerFixture();
        var sweeper = server.Services.GetRequiredService<Retention>();
        var manySpans = string.Join(",", Enumerable.Range(0, 2_500).Select(i => $$"""{"traceId":"old","spanId":"{{i}}"}"""));
        await server.Http.PostJson(OtlpClient.JsonRequest(manySpans));
        server.Advance((long)TimeSpan.FromDays(6).TotalMilliseconds);
        await server.Http.PostJson(OtlpClient.JsonRequest("""{"traceId":"new","spanId":"1"}"""));
        server.Advance((long)TimeSpan.FromDays(1.5).TotalMilliseconds);

        await sweeper.PurgeOtlp();

        (await server.Http.AllSpans("trace_id=old")).Should().BeEmpty();
        (await server.Http.AllSpans("trace_id=new")).Should().HaveCount(1);
        server.Advance((long)TimeSpan.FromDays(6).TotalMilliseconds);
        await sweeper.PurgeOtlp();
        (await server.Http.AllSpans("trace_id=new")).Should().BeEmpty();
    }

    [Fact]
    public void Retention_IsConfiguredByOtlpRetentionMs()
    {
        var dir = Directory.CreateTempSubdirectory("tls-config-").FullName;
        try
        {
            var config = Path.Combine(dir, "config.json");
            File.WriteAllText(config, """{"otlp_retention_ms":3600000}""");
            var configured = CommandLine.Parse(["--config", config], _ => null).Options!;
            File.WriteAllText(config, "{}");
            var defaulted = CommandLine.Parse(["--config", config], _ => null).Options!;
            File.WriteAllText(config, """{"otlp_retention_ms":0}""");
            var rejected = CommandLine.Parse(["--config", config], _ => null);
            File.WriteAllText(config, """{"otlp_retention_ms":9000000000000000000}""");
            var overflowing = CommandLine.Parse(["--config", config], _ => null);

            configured.OtlpRetention.Should().Be(TimeSpan.FromHours(1));
            defaulted.OtlpRetention.Should().Be(TimeSpan.FromDays(7));
            rejected.Options.Should().BeNull();
            rejected.Error.Should().Contain("otlp_retention_ms");
            overflowing.Options.Should().BeNull();
            overflowing.Error.Should().Contain("otlp_retention_ms");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string SpanId(JsonElement span) => span.GetProperty("span_id").GetString()!;
}
