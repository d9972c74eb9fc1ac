using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>
/// What the search page shows, read from its HTML: which messages, in which order, with which words marked.
/// Shared by the SQLite and PostgreSQL tests, so both databases are held to the same answers.
/// </summary>
public static partial class SearchPage
{
    public static string Path(string slug, string? q, string? page = null) =>
        $"/rooms/{slug}/search" + (q is null ? "" : $"?q={Uri.EscapeDataString(q)}") + (page is null ? "" : $"{(q is null ? '?' : '&')}page={Uri.EscapeDataString(page)}");

    /// <summary>The page for <paramref name="q"/>, its status, and the hits' texts (marks removed, decoded) in the order shown.</summary>
    public static async Task<(HttpStatusCode Status, string Html, List<string> Hits)> SearchAsync(this SiteClient person, string slug, string? q, string? page = null)
    {
        using var response = await person.Http.GetAsync(Path(slug, q, page));
        var html = await response.Content.ReadAsStringAsync();
        var hits = ResultText().Matches(html).Select(m => WebUtility.HtmlDecode(Mark().Replace(m.Groups[1].Value, ""))).ToList();
        return (response.StatusCode, html, hits);
    }

    /// <summary>The marked stretches of every hit, decoded, in order.</summary>
    public static List<string> Marks(string html) => MarkText().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();

    [GeneratedRegex(@"<p class=""message-text search-result-text"" dir=""auto"">(.*?)</p>", RegexOptions.Singleline)]
    private static partial Regex ResultText();

    [GeneratedRegex(@"</?mark>")]
    private static partial Regex Mark();

    [GeneratedRegex(@"<mark>(.*?)</mark>", RegexOptions.Singleline)]
    private static partial Regex MarkText();

    /// <summary>Edits a message over the socket and waits for the edited article, so the new text is stored.</summary>
    public static async Task EditAsync(this WebSocket socket, PostedMessage message, string text)
    {
        await socket.SendTextAsync(JsonSerializer.Serialize(new { type = "edit", id = message.Id, text }));
        while (!(await socket.ReceiveTextAsync()).Contains($"id=\"m-{message.Id}\"")) { }
    }
}

/// <summary>
/// Issue 15's message search on SQLite (FTS5, trigram tokenizer): words found inside unspaced text, ranked by relevance
/// then newest, paged; deleted messages never found, edited ones by their current text; the room's own access rule;
/// and every kind of hostile query answered plainly, never with a 500.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class SearchTests(ChatServer server)
{
    /// <summary>Messages whose text is full of FTS5 syntax and LIKE wildcards, each findable by itself only.</summary>
    public static readonly string[] Literals =
    [
        "say \"quoted\" here", "100% sure", "snake_case name", "glob a*b star", "NEAR(x y) call", "-minus first",
        "caret x^y", "key:value pair", "(paren) open", "this OR that", @"back\slash", "明日の会議は十時から",
        "Éa ÉCOLE", "ΣΑ ΑΘΗΝΑ", "ＡＢ full width",
        "今天天气很好", "مرحبا بالعالم", "नमस्ते दुनिया", "Привет мир", "emoji 🎉 party",
    ];

    private static readonly SemaphoreSlim SharedGate = new(1, 1);
    private static (SiteClient Person, string Slug)? _shared;

    /// <summary>One room holding <see cref="Literals"/> for every theory row (posting them per row would only repeat work).</summary>
    private async Task<(SiteClient Person, string Slug)> LiteralsRoomAsync()
    {
        await SharedGate.WaitAsync();
        try
        {
            if (_shared is { } shared) return shared;
            var person = server.NewVisitor();
            var slug = await person.SignUpWithRoomAsync("Search literals");
            using var socket = await person.ConnectAsync(slug);
            foreach (var text in Literals) await socket.PostAsync(text);
            _shared = (person, slug);
            return _shared.Value;
        }
        finally { SharedGate.Release(); }
    }

    [Theory]
    [InlineData("会議", "明日の会議は十時から")] // two characters: the LIKE scan
    [InlineData("会議は", "明日の会議は十時から")] // three: the trigram index
    [InlineData("十時から", "明日の会議は十時から")]
    [InlineData("天气", "今天天气很好")]
    [InlineData("天气很好", "今天天气很好")]
    [InlineData("بالعالم", "مرحبا بالعالم")]
    [InlineData("दुनिया", "नमस्ते दुनिया")]
    [InlineData("привет", "Привет мир")]
    [InlineData("🎉", "emoji 🎉 party")]
    [InlineData("\"quoted\"", "say \"quoted\" here")]
    [InlineData("\"", "say \"quoted\" here")]
    [InlineData("a*b", "glob a*b star")]
    [InlineData("*", "glob a*b star")]
    [InlineData("NEAR(x", "NEAR(x y) call")]
    [InlineData("-minus", "-minus first")]
    [InlineData("x^y", "caret x^y")]
    [InlineData("^", "caret x^y")]
    [InlineData("key:value", "key:value pair")]
    [InlineData("(paren)", "(paren) open")]
    [InlineData("his OR th", "this OR that")]
    [InlineData("%", "100% sure")] // a LIKE wildcard, alone: matches itself, not everything
    [InlineData("100%", "100% sure")]
    [InlineData("_", "snake_case name")]
    [InlineData("e_c", "snake_case name")]
    [InlineData(@"\", @"back\slash")]
    [InlineData(@"k\s", @"back\slash")]
    [InlineData("éa", "Éa ÉCOLE")] // letter case beyond ASCII, in the scan and in the trigram index
    [InlineData("école", "Éa ÉCOLE")]
    [InlineData("σα", "ΣΑ ΑΘΗΝΑ")]
    [InlineData("αθηνα", "ΣΑ ΑΘΗΝΑ")]
    [InlineData("ａｂ", "ＡＢ full width")]
    [InlineData("\u202Ethis", null)] // a bidi override is a character like any other: no message has it
    public async Task Every_character_is_literal_and_words_are_found_inside_unspaced_text(string q, string? found)
    {
        var (person, slug) = await LiteralsRoomAsync();
        var (status, html, hits) = await person.SearchAsync(slug, q);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(found is null ? [] : [found], hits);
        if (found is not null) Assert.Contains(Marks(html), mark => q.Split(' ').Any(term => string.Equals(mark, term, StringComparison.OrdinalIgnoreCase)));
    }

    private static List<string> Marks(string html) => SearchPage.Marks(html);

    [Theory]
    [InlineData("\0", "control character")]
    [InlineData("a\0b", "control character")]
    [InlineData("abc\u0007", "control character")]
    [InlineData("line\nbreak", "line break")]
    [InlineData("tab\there", "one line")]
    [InlineData("\u009B", "control character")] // C1 CSI
    [InlineData("a b c d e f g h i j k", "at most 10 words")]
    public async Task A_query_that_cannot_be_searched_gets_400_with_the_reason(string q, string reason)
    {
        var (person, slug) = await LiteralsRoomAsync();
        var (status, html, hits) = await person.SearchAsync(slug, q);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("id=\"search-problem\"", html);
        Assert.Contains(reason, WebUtility.HtmlDecode(html), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(hits);
    }

    [Theory]
    [InlineData(201)]
    [InlineData(2000)]
    [InlineData(10_000)]
    public async Task A_long_query_is_refused_with_a_4xx_never_a_500(int length)
    {
        var (person, slug) = await LiteralsRoomAsync();
        var (status, html, _) = await person.SearchAsync(slug, new string('会', length / 2) + new string('a', length - length / 2));
        // Past Kestrel's request-line limit (8 KB, percent-encoded) the server refuses it before the page: 414.
        Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.RequestUriTooLong, $"got {(int)status}");
        if (status == HttpStatusCode.BadRequest) Assert.Contains("at most 200 characters", html);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\u200B\u200E\u202E")] // nothing visible: zero-width space and bidi controls
    public async Task An_empty_query_shows_the_form_only(string? q)
    {
        var (person, slug) = await LiteralsRoomAsync();
        var (status, html, hits) = await person.SearchAsync(slug, q);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("id=\"search-form\"", html);
        Assert.DoesNotContain("id=\"search-results\"", html);
        Assert.DoesNotContain("id=\"search-problem\"", html);
        Assert.Empty(hits);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("+2")]
    [InlineData("501")]
    [InlineData("99999999999999999999")]
    [InlineData("\u0661")] // ARABIC-INDIC DIGIT ONE: a digit, but not one a page number is written with
    public async Task An_invalid_page_number_gets_400_with_the_reason(string page)
    {
        var (person, slug) = await LiteralsRoomAsync();
        var (status, html, hits) = await person.SearchAsync(slug, "sure", page);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("The page number must be a whole number from 1 to 500.", html);
        Assert.Empty(hits);
    }

    [Fact]
    public async Task Matches_are_marked_and_message_text_is_never_markup()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Search markup");
        using var socket = await alice.ConnectAsync(slug);
        await socket.PostAsync("<mark>fake</mark> <script>alert(1)</script> <b>Plain</b> plainly");

        var (status, html, hits) = await alice.SearchAsync(slug, "plain");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["<mark>fake</mark> <script>alert(1)</script> <b>Plain</b> plainly"], hits);
        Assert.Equal(["Plain", "plain"], Marks(html));
        Assert.DoesNotContain("<script>alert(1)", html);
        Assert.Contains("&lt;mark&gt;fake&lt;/mark&gt;", html);
    }

    [Fact]
    public async Task Results_are_ranked_by_relevance_then_newest_and_paged_twenty_at_a_time()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Search ranking");
        using var socket = await alice.ConnectAsync(slug);
        var diluted = await socket.PostAsync("a long message that mentions quokka only once among very many other words of no interest at all");
        var older = await socket.PostAsync("quokka seen");
        var newer = await socket.PostAsync("quokka seen");
        for (var i = 1; i <= 40; i++) await socket.PostAsync($"filler quokka story number {i:00} with a few more words");

        var (_, html, first) = await alice.SearchAsync(slug, "quokka");
        Assert.Equal(20, first.Count);
        // The two short messages are the most relevant: the newer first, and each links to its place in the room.
        Assert.Equal(["quokka seen", "quokka seen"], first.Take(2));
        Assert.True(html.IndexOf($"#m-{newer.Id}\"", StringComparison.Ordinal) < html.IndexOf($"#m-{older.Id}\"", StringComparison.Ordinal));
        Assert.Contains($"href=\"/rooms/{slug}?before={newer.Seq + 1}#m-{newer.Id}\"", html);
        Assert.Contains("id=\"search-next\"", html);
        Assert.DoesNotContain("id=\"search-previous\"", html);

        var (_, _, second) = await alice.SearchAsync(slug, "quokka", "2");
        Assert.Equal(20, second.Count);
        var (_, lastHtml, third) = await alice.SearchAsync(slug, "quokka", "3");
        // The message that says it once among many words comes last.
        Assert.Equal(diluted.Id, Regex.Matches(lastHtml, @"id=""r-(\d+)""").Select(m => long.Parse(m.Groups[1].Value)).Last());
        Assert.Equal(3, third.Count);
        Assert.DoesNotContain("id=\"search-next\"", lastHtml);
        Assert.Equal(43, first.Concat(second).Concat(third).Count());

        var (pastStatus, pastHtml, past) = await alice.SearchAsync(slug, "quokka", "4");
        Assert.Equal(HttpStatusCode.OK, pastStatus);
        Assert.Empty(past);
        Assert.Contains("No more messages contain", pastHtml);
    }

    [Fact]
    public async Task Deleted_messages_are_never_found_and_edited_ones_are_found_by_their_current_text()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Search changes");
        using var socket = await alice.ConnectAsync(slug);
        var deleted = await socket.PostAsync("wombat secret");
        var edited = await socket.PostAsync("wombat draft");
        await socket.PostAsync("wombat stays");
        await socket.DeleteAsync(deleted);
        await socket.EditAsync(edited, "numbat final");

        Assert.Equal(["wombat stays"], (await alice.SearchAsync(slug, "wombat")).Hits);
        Assert.Empty((await alice.SearchAsync(slug, "secret")).Hits);
        Assert.Empty((await alice.SearchAsync(slug, "draft")).Hits);
        Assert.Equal(["numbat final"], (await alice.SearchAsync(slug, "numbat")).Hits);
        // Short terms take the LIKE scan: it keeps the same rules.
        Assert.Empty((await alice.SearchAsync(slug, "wo se")).Hits);
        Assert.Equal(["numbat final"], (await alice.SearchAsync(slug, "nu fi")).Hits);
    }

    [Fact]
    public async Task Search_finds_only_this_rooms_messages()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Search here");
        var elsewhere = await alice.CreateRoomAsync("Search elsewhere");
        using (var socket = await alice.ConnectAsync(elsewhere)) await socket.PostAsync("platypus elsewhere");
        using (var socket = await alice.ConnectAsync(slug)) await socket.PostAsync("platypus here");

        Assert.Equal(["platypus here"], (await alice.SearchAsync(slug, "platypus")).Hits);
        Assert.Equal(["platypus here"], (await alice.SearchAsync(slug, "pl")).Hits);
    }

    [Fact]
    public async Task A_private_rooms_search_is_not_found_for_outsiders_and_open_to_members()
    {
        using var owner = server.NewVisitor();
        using var outsider = server.NewVisitor();
        using var member = server.NewVisitor();
        var slug = await owner.SignUpWithRoomAsync("Search private", isPrivate: true);
        await outsider.RegisterAsync();
        var memberEmail = await member.RegisterAsync();
        using (var socket = await owner.ConnectAsync(slug)) await socket.PostAsync("the vault code is hidden");
        using var invited = await owner.InviteAsync(slug, memberEmail);

        Assert.Equal(["the vault code is hidden"], (await owner.SearchAsync(slug, "vault")).Hits);
        Assert.Equal(["the vault code is hidden"], (await member.SearchAsync(slug, "vault")).Hits);
        foreach (var q in new[] { "vault", "", "va" })
        {
            var (status, html, _) = await outsider.SearchAsync(slug, q);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.DoesNotContain("vault", html);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.SearchAsync("no-such-room", "vault")).Status);
    }

    [Fact]
    public async Task The_room_page_links_to_its_search()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Search link");
        var html = await alice.Http.GetStringAsync($"/rooms/{slug}");
        Assert.Matches($"<header class=\"room-header\">(?:(?!</header>).)*<a id=\"room-search-link\"[^>]*href=\"/rooms/{slug}/search\"", html.ReplaceLineEndings(" "));
    }

    [Fact]
    public async Task Searching_needs_a_sign_in()
    {
        using var alice = server.NewVisitor();
        var slug = await alice.SignUpWithRoomAsync("Search signed out");
        using var stranger = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        using var response = await stranger.GetAsync(SearchPage.Path(slug, "anything"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Identity/Account/Login", response.Headers.Location!.ToString());
    }
}

/// <summary>
/// The same search on PostgreSQL (pg_trgm: ILIKE served by a GIN trigram index, ranked by word_similarity then
/// similarity then newest): the same answers as SQLite for unspaced text, literal syntax characters, deletions, edits and ranking.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgresSearchTests(ScaleOutServers servers) : IAsyncLifetime
{
    private readonly string _database = $"chat_{Guid.NewGuid():N}";
    private SiteProcess _site = null!;

    public async Task InitializeAsync()
    {
        _site = new SiteProcess(servers.SiteSettings(_database, new Dictionary<string, string>
        {
            // The test posts a room's worth of messages at once.
            ["Chat:RateLimit:MessagesPerSecond"] = "10000",
            ["Chat:RateLimit:Burst"] = "10000",
            ["Search:RateLimit:Burst"] = "10000",
        }));
        await _site.StartAsync();
    }

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task Search_on_postgres_finds_words_inside_unspaced_text_takes_every_character_literally_and_ranks()
    {
        using var alice = new SiteClient(_site.BaseAddress);
        var slug = await alice.SignUpWithRoomAsync("Postgres search");
        using var socket = await alice.ConnectAsync(slug);
        foreach (var text in SearchTests.Literals) await socket.PostAsync(text);
        var deleted = await socket.PostAsync("wombat secret");
        var edited = await socket.PostAsync("wombat draft");
        await socket.DeleteAsync(deleted);
        await socket.EditAsync(edited, "numbat final");
        var diluted = await socket.PostAsync("a long message that mentions quokka only once among very many other words of no interest at all");
        var older = await socket.PostAsync("quokka seen");
        var newer = await socket.PostAsync("quokka seen");

        foreach (var (q, found) in new (string, string?)[]
        {
            ("会議", "明日の会議は十時から"), ("会議は", "明日の会議は十時から"), ("天气很好", "今天天气很好"), ("बालعالم", null),
            ("بالعالم", "مرحبا بالعالم"), ("Привет", "Привет мир"), ("%", "100% sure"), ("_", "snake_case name"), ("e_c", "snake_case name"),
            (@"\", @"back\slash"), ("\"", "say \"quoted\" here"), ("NEAR(x", "NEAR(x y) call"), ("x^y", "caret x^y"), ("(paren)", "(paren) open"),
            ("secret", null), ("draft", null), ("numbat", "numbat final"),
        })
        {
            var (status, _, hits) = await alice.SearchAsync(slug, q);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(found is null ? [] : [found], hits);
        }

        var (_, html, ranked) = await alice.SearchAsync(slug, "quokka");
        Assert.Equal(["quokka seen", "quokka seen", "a long message that mentions quokka only once among very many other words of no interest at all"], ranked);
        Assert.True(html.IndexOf($"#m-{newer.Id}\"", StringComparison.Ordinal) < html.IndexOf($"#m-{older.Id}\"", StringComparison.Ordinal));
        Assert.Contains($"#m-{diluted.Id}\"", html[html.IndexOf($"#m-{older.Id}\"", StringComparison.Ordinal)..]);

        Assert.Equal(HttpStatusCode.BadRequest, (await alice.SearchAsync(slug, "a\0b")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.SearchAsync(slug, new string('x', 201))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.SearchAsync(slug, "quokka", "0")).Status);
    }
}

/// <summary>The SQLite migration indexes the messages already stored, not only those written after it.</summary>
public sealed class SearchIndexMigrationTests
{
    [Fact]
    public async Task Messages_stored_before_the_search_migration_are_found_after_it()
    {
        var directory = Directory.CreateTempSubdirectory("search-migration-");
        try
        {
            var options = new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<WebApp.Data.AppDbContext>()
                .UseSqlite($"Data Source={System.IO.Path.Combine(directory.FullName, "chat.db")};Pooling=False").Options;
            await using var db = new WebApp.Data.AppDbContext(options);
            var migrator = Microsoft.EntityFrameworkCore.Infrastructure.AccessorExtensions.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>(db);
            await migrator.MigrateAsync("20261130071021_UniqueDisplayNames");
            await db.Database.OpenConnectionAsync();
            // Rows as an older version wrote them; who wrote them does not matter here.
            await db.Database.ExecuteSqlRawAsync("""
                PRAGMA foreign_keys = OFF;
                INSERT INTO "Messages" ("Id", "RoomId", "Seq", "AuthorId", "AuthorName", "Text", "SentAt")
                VALUES (1, 7, 1, 'u', 'Old', '明日の会議は十時から', '2026-11-01 09:00:00'),
                       (2, 7, 2, 'u', 'Old', 'an older quokka', '2026-11-01 09:01:00');
                """);
            await migrator.MigrateAsync();

            var query = WebApp.Data.SearchQuery.Parse("会議は");
            var found = await WebApp.Data.MessageSearch.FindAsync(db, 7, query, 1, 20, CancellationToken.None);
            Assert.Equal([1L], found.Hits.Select(hit => hit.Id));
            found = await WebApp.Data.MessageSearch.FindAsync(db, 7, WebApp.Data.SearchQuery.Parse("quokka"), 1, 20, CancellationToken.None);
            Assert.Equal([2L], found.Hits.Select(hit => hit.Id));
        }
        finally { directory.Delete(recursive: true); }
    }
}
