using System.Net;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>GET /store/search (CONTRACT §8.31; §12 items 131-136).</summary>
public sealed class StoreSearchFacts
{
    private static Task<Answer> Put(ServerFixture server, string ns, string key, string value) =>
        StoreFacts.Put(server.Http, $"/store/{ns}/{key}", $$"""{"value":{{value}}}""");

    private static async Task<List<string>> Keys(ServerFixture server, string query) =>
        (await server.Http.Get("/store/search?" + query)).Expect(HttpStatusCode.OK)
            .Body.EnumerateArray().Select(e => e.GetProperty("key").GetString()!).ToList();

    private static async Task Filler(ServerFixture server, int count)
    {
        for (var i = 0; i < count; i++) await Put(server, "filler", $"f{i}", $$"""{"text":"unrelated words number {{i}}"}""");
    }

    [Fact] // §12.131
    public async Task EveryTermMustMatch_AndTheBestMatchComesFirst()
    {
        await using var server = new ServerFixture();
        await Filler(server, 6);
        await Put(server, "docs", "once", """{"text":"endpoints and methods"}""");
        await Put(server, "docs", "often", """{"text":"endpoints methods endpoints methods endpoints methods"}""");
        await Put(server, "docs", "half", """{"text":"only endpoints here"}""");

        (await Keys(server, "q=endpoints+methods")).Should().Equal("often", "once");
    }

    [Fact]
    public async Task EqualRanks_AreOrderedByNamespaceThenKey()
    {
        await using var server = new ServerFixture();
        await Put(server, "b", "k", """{"t":"same text"}""");
        await Put(server, "a", "z", """{"t":"same text"}""");
        await Put(server, "a", "y", """{"t":"same text"}""");

        var found = (await server.Http.Get("/store/search?q=same")).Body.EnumerateArray()
            .Select(e => e.GetProperty("namespace").GetString() + "/" + e.GetProperty("key").GetString()).ToList();
        found.Should().Equal("a/y", "a/z", "b/k");
    }

    [Fact] // §12.132
    public async Task MissingQ_IsMissingParam_AndABlankQ_IsInvalidQuery()
    {
        await using var server = new ServerFixture();
        (await server.Http.Get("/store/search")).ExpectError(HttpStatusCode.BadRequest, "missing_param");
        (await server.Http.Get("/store/search?namespace=x")).ExpectError(HttpStatusCode.BadRequest, "missing_param");
        (await server.Http.Get("/store/search?q=%20")).ExpectError(HttpStatusCode.BadRequest, "invalid_query");
        (await server.Http.Get("/store/search?q=")).ExpectError(HttpStatusCode.BadRequest, "invalid_query");
        (await server.Http.Get("/store/search?q=%09%0D%0A+")).ExpectError(HttpStatusCode.BadRequest, "invalid_query");
    }

    [Fact] // §12.133
    public async Task Limit_OutOfRangeIsInvalid_AndUnparsableOrNegativeMeansTen()
    {
        await using var server = new ServerFixture();
        for (var i = 0; i < 12; i++) await Put(server, "ns", $"k{i:00}", """{"t":"match"}""");

        (await server.Http.Get("/store/search?q=x&limit=1001")).ExpectError(HttpStatusCode.BadRequest, "invalid_limit");
        (await server.Http.Get("/store/search?q=x&limit=0")).ExpectError(HttpStatusCode.BadRequest, "invalid_limit");
        (await Keys(server, "q=match&limit=-5")).Should().HaveCount(10);
        (await Keys(server, "q=match&limit=abc")).Should().HaveCount(10);
        (await Keys(server, "q=match")).Should().HaveCount(10);
        (await Keys(server, "q=match&limit=3")).Should().HaveCount(3);
        (await Keys(server, "q=match&limit=1000")).Should().HaveCount(12);
    }

    [Fact] // §12.134
    public async Task FtsSyntaxInQ_IsSearchedAsLiteralWords()
    {
        await using var server = new ServerFixture();
        await Put(server, "ns", "both", """{"t":"cats or dogs"}""");
        await Put(server, "ns", "cats", """{"t":"cats only"}""");
        await Put(server, "ns", "prefix", """{"t":"foobar"}""");
        await Put(server, "ns", "word", """{"t":"foo"}""");
        await Put(server, "ns", "near", """{"t":"stay near cats and dogs"}""");

        (await Keys(server, "q=cats+OR+dogs")).Should().Equal("both");
        (await Keys(server, "q=foo*")).Should().Equal("word");
        (await Keys(server, "q=%22")).Should().BeEmpty();
        (await Keys(server, "q=cats+%22")).Should().BeEquivalentTo("both", "cats", "near");
        (await Keys(server, "q=NEAR(cats+dogs)")).Should().Equal(["near"], "`NEAR(cats` is the phrase \"near cats\"");
        (await Keys(server, "q=key:both")).Should().BeEmpty("`key:both` is the phrase \"key both\", not a column filter");
    }

    [Fact]
    public async Task ATermWithoutLettersOrDigits_IsDropped_AndAloneFindsNothing()
    {
        await using var server = new ServerFixture();
        await Put(server, "ns", "k", """{"t":"endpoints methods"}""");
        (await Keys(server, "q=endpoints+-+methods")).Should().Equal("k");
        (await Keys(server, "q=!!!")).Should().BeEmpty();
        (await Keys(server, "q=%00")).Should().BeEmpty();
    }

    [Fact] // §12.135
    public async Task NamespaceAndStringFilter_RestrictTheResults()
    {
        await using var server = new ServerFixture();
        await Put(server, "team%20alpha", "rc", """{"status":"release candidate","t":"build"}""");
        await Put(server, "team%20alpha", "draft", """{"status":"draft","t":"build"}""");
        await Put(server, "team%20beta", "rc", """{"status":"release candidate","t":"build"}""");

        (await server.Http.Get("/store/search?q=build&namespace=team%20alpha")).Body.EnumerateArray()
            .Select(e => e.GetProperty("namespace").GetString()).Should().Equal("team alpha", "team alpha");
        var filtered = (await server.Http.Get("/store/search?q=build&namespace=team%20alpha&filter_path=%24.status&filter_value=release+candidate"))
            .Expect(HttpStatusCode.OK).Body.EnumerateArray().ToList();
        filtered.Select(e => e.GetProperty("key").GetString()).Should().Equal("rc");
        filtered[0].GetProperty("namespace").GetString().Should().Be("team alpha");
    }

    [Fact] // §12.136
    public async Task AFilterValue_NeverMatchesNumbersOrBooleans()
    {
        await using var server = new ServerFixture();
        await Put(server, "ns", "num", """{"n":5,"t":"x"}""");
        await Put(server, "ns", "bool", """{"n":true,"t":"x"}""");
        await Put(server, "ns", "text", """{"n":"5","t":"x"}""");

        (await Keys(server, "q=x&filter_path=$.n&filter_value=5")).Should().Equal("text");
        (await Keys(server, "q=x&filter_path=$.n&filter_value=true")).Should().BeEmpty();
        (await Keys(server, "q=x&filter_path=$.n&filter_value=1")).Should().BeEmpty();
    }

    [Fact]
    public async Task AFilterPathWithoutValue_FindsNothing_AndAValueWithoutPathIsIgnored()
    {
        await using var server = new ServerFixture();
        await Put(server, "ns", "k", """{"status":"open"}""");
        (await Keys(server, "q=open&filter_path=$.status")).Should().BeEmpty();
        (await Keys(server, "q=open&filter_value=closed")).Should().Equal("k");
    }

    [Theory] // W24: the reference answered an empty 200
    [InlineData("status")]
    [InlineData("")]
    [InlineData("$.")]
    [InlineData("$[")]
    [InlineData("$.a[x]")]
    [InlineData("$.\"open")]
    [InlineData(".status")]
    public async Task AMalformedFilterPath_IsInvalidQuery_SayingWhatAPathLooksLike(string path)
    {
        await using var server = new ServerFixture();
        await Put(server, "ns", "k", """{"status":"open"}""");
        var answer = (await server.Http.Get($"/store/search?q=open&filter_path={Uri.EscapeDataString(path)}&filter_value=open"))
            .ExpectError(HttpStatusCode.BadRequest, "invalid_query");
        answer.Body.GetProperty("error").GetProperty("message").GetString().Should().Contain("$.status");
    }

    [Fact]
    public async Task NestedAndQuotedPaths_Filter()
    {
        await using var server = new ServerFixture();
        await Put(server, "ns", "k", """{"owner":{"name":"ana"},"tags":["x","urgent"],"odd.key":"v"}""");
        (await Keys(server, "q=ana&filter_path=$.owner.name&filter_value=ana")).Should().Equal("k");
        (await Keys(server, "q=ana&filter_path=$.tags[1]&filter_value=urgent")).Should().Equal("k");
        (await Keys(server, "q=ana&filter_path=$.tags[%23-1]&filter_value=urgent")).Should().Equal("k");
        (await Keys(server, "q=ana&filter_path=$.%22odd.key%22&filter_value=v")).Should().Equal("k");
    }

    [Fact] // W24: property names, namespaces and keys are searchable text too
    public async Task NamespacesKeysAndPropertyNames_AreSearchable()
    {
        await using var server = new ServerFixture();
        await Put(server, "projects", "roadmap", """{"title":"plan"}""");
        (await Keys(server, "q=title")).Should().Equal("roadmap");
        (await Keys(server, "q=projects")).Should().Equal("roadmap");
        (await Keys(server, "q=roadmap")).Should().Equal("roadmap");
    }

    [Fact]
    public async Task Matching_IgnoresCaseAndDiacritics()
    {
        await using var server = new ServerFixture();
        await Put(server, "ns", "k", """{"t":"Crème Brûlée"}""");
        (await Keys(server, "q=creme+BRULEE")).Should().Equal("k");
        (await Keys(server, "q=cr%C3%A8me")).Should().Equal("k");
    }

    [Fact]
    public async Task TheIndexFollowsUpdatesAndDeletes()
    {
        await using var server = new ServerFixture();
        await Put(server, "ns", "k", """{"t":"before"}""");
        await Put(server, "ns", "k", """{"t":"after"}""");
        (await Keys(server, "q=before")).Should().BeEmpty();
        (await Keys(server, "q=after")).Should().Equal("k");

        await server.Http.Delete("/store/ns/k");
        (await Keys(server, "q=after")).Should().BeEmpty();

        await Put(server, "ns", "a", """{"t":"gone"}""");
        await Put(server, "ns", "b", """{"t":"gone"}""");
        await server.Http.Delete("/store/ns");
        (await Keys(server, "q=gone")).Should().BeEmpty();
    }
}
