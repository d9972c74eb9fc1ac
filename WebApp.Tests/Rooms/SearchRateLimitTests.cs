using System.Net;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>The site in Production behind a TLS proxy with a small search budget: 3 searches at once, 1 a minute after.</summary>
public sealed class SearchRateLimitedChatServer : ProductionChatServer
{
    public const int Burst = 3;

    protected override Dictionary<string, string> Settings => new(base.Settings)
    {
        ["Search:RateLimit:Burst"] = Burst.ToString(),
        ["Search:RateLimit:PerMinute"] = "1",
    };
}

/// <summary>
/// A script looping over the search page (each request a full-text query) is answered 429 with Retry-After once it
/// is past its budget, whatever it searches for, and only its own searches are refused.
/// </summary>
public sealed class SearchRateLimitTests(SearchRateLimitedChatServer server) : IClassFixture<SearchRateLimitedChatServer>
{
    public static TheoryData<string> Queries => new() { "hello", "明日", "\"quoted\" OR x*", "" };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Searches_past_the_budget_get_429_with_retry_after_and_other_people_still_search(string query)
    {
        using var alice = new SiteClient(server.BaseAddress, behindTlsProxy: true);
        using var bob = new SiteClient(server.BaseAddress, behindTlsProxy: true);
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Searched");

        for (var i = 0; i < SearchRateLimitedChatServer.Burst; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await alice.SearchAsync(slug, query)).Status);
        }
        using var refused = await alice.Http.GetAsync(SearchPage.Path(slug, query));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = Assert.Single(refused.Headers.GetValues("Retry-After"));
        Assert.InRange(int.Parse(retryAfter), 1, 60);
        Assert.Contains("Too many requests", await refused.Content.ReadAsStringAsync());
        Assert.Contains(server.Logs.Lines, line => line.Contains("Search refused with 429") && !(query.Length > 0 && line.Contains(query)));

        // Bob's budget is his own.
        Assert.Equal(HttpStatusCode.OK, (await bob.SearchAsync(slug, query)).Status);
        // The room page is not a search.
        Assert.Equal(HttpStatusCode.OK, (await alice.Http.GetAsync($"/rooms/{slug}")).StatusCode);
    }
}
