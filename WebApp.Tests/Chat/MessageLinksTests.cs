using WebApp.Chat;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

/// <summary>
/// Web addresses in messages become links, safely: only absolute http(s) URLs with a host, ended where a sentence
/// around them goes on, rendered with rel="noopener noreferrer nofollow ugc"; every other scheme and every trick
/// to break out of the attribute stays text.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class MessageLinksTests(ChatServer server)
{
    /// <summary>Text as typed, then the addresses found in it (as shown | as linked), in order.</summary>
    public static TheoryData<string, string[]> Found => new()
    {
        { "see https://example.com/a?b=1&c=2 now", ["https://example.com/a?b=1&c=2|https://example.com/a?b=1&c=2"] },
        { "HTTP://EXAMPLE.COM/Path", ["HTTP://EXAMPLE.COM/Path|http://example.com/Path"] },
        { "(see https://en.wikipedia.org/wiki/Fish_(disambiguation))", ["https://en.wikipedia.org/wiki/Fish_(disambiguation)|https://en.wikipedia.org/wiki/Fish_(disambiguation)"] },
        { "end of sentence: https://example.com/x.", ["https://example.com/x|https://example.com/x"] },
        { "two: http://a.example, https://b.example!", ["http://a.example|http://a.example/", "https://b.example|https://b.example/"] },
        { "資料はhttps://example.jp/資料、明日まで", ["https://example.jp/資料|https://example.jp/%E8%B3%87%E6%96%99"] },
        { "https://example.com/\"onmouseover=\"alert(1)", ["https://example.com/|https://example.com/"] },
        { "https://example.com/<script>alert(1)</script>", ["https://example.com/|https://example.com/"] },
        { "https://user@example.com:8443/x#frag", ["https://user@example.com:8443/x#frag|https://user@example.com:8443/x#frag"] },
    };

    [Theory]
    [MemberData(nameof(Found))]
    public void Http_and_https_addresses_are_found_and_end_where_the_sentence_goes_on(string text, string[] links)
    {
        var runs = MessageLinks.Runs(text).ToList();
        Assert.Equal(text, string.Concat(runs.Select(r => r.Text)));
        Assert.Equal(links, runs.Where(r => r.Href is not null).Select(r => $"{r.Text}|{r.Href}"));
    }

    public static TheoryData<string> NotLinks => new()
    {
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example/path",
        "http:evil.example",
        "https://",
        "https:///nohost",
        "ftp://example.com/file",
        "xhttps://example.com",
        "mailto:someone@example.com",
    };

    [Theory]
    [MemberData(nameof(NotLinks))]
    public void Other_schemes_and_broken_addresses_stay_text(string text)
    {
        Assert.All(MessageLinks.Runs(text), run => Assert.Null(run.Href));
    }

    [Fact]
    public async Task A_link_reaches_everyone_as_a_safe_anchor_and_a_script_address_as_text()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Links");
        using var socket = await alice.ConnectAsync(slug);

        await socket.SendMessageAsync("read https://example.com/a?b=1&c=2 and javascript:alert(1)");
        var frame = await socket.ReceiveTextAsync();

        Assert.Contains("<a class=\"message-link\" href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow ugc\" target=\"_blank\">https://example.com/a?b=1&amp;c=2</a>", frame);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(frame, "<a class=\"message-link\""));
        Assert.Contains(" and javascript:alert(1)</p>", frame);
        // The page's history renders the same anchor.
        Assert.Contains("href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow ugc\"", await alice.Http.GetStringAsync($"/rooms/{slug}"));
    }
}
