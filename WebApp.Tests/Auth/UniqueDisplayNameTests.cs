using System.Net;
using System.Net.WebSockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Auth;

/// <summary>
/// Nobody can take anybody's name: display names are unique under NFKC and case folding, chosen names that are taken
/// are refused inline, derived ones get a numeric suffix, and a rename reaches history and open pages.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class UniqueDisplayNameTests(ChatServer server)
{
    private static string Unique() => Guid.NewGuid().ToString("N")[..6];

    /// <summary>Every spelling that the key rule (NFKC, then upper case) makes the same name.</summary>
    public static TheoryData<string> SameNameSpellings => new()
    {
        "Bob {0}",                                   // as taken
        "bob {0}",                                   // case
        "BOB {0}",
        "\uFF22\uFF4F\uFF42 {0}",                    // fullwidth Ｂｏｂ
        "Bob\u200B {0}",                             // a zero-width space inside
        "  Bob {0}  ",                               // padding
        "\U0001D401\U0001D428\U0001D41B {0}",        // mathematical bold 𝐁𝐨𝐛
    };

    [Theory]
    [MemberData(nameof(SameNameSpellings))]
    public async Task A_name_someone_has_is_refused_inline_in_any_spelling(string spelling)
    {
        var unique = Unique();
        using var bob = server.NewVisitor();
        using var mallory = server.NewVisitor();
        await bob.RegisterAsync();
        await mallory.RegisterAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await bob.SetDisplayNameAsync($"Bob {unique}")).StatusCode);

        var response = await mallory.SetDisplayNameAsync(string.Format(spelling, unique));

        // Refused on the form itself (200 with the field's error), and nothing changed.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("That display name is taken", page);
        Assert.Contains("field-validation-error", page);
        var names = await server.QueryAsync(db => db.Users.AsNoTracking()
            .Where(u => u.NormalizedDisplayName == UserText.Key($"Bob {unique}")).Select(u => u.DisplayName).ToListAsync());
        Assert.Equal([$"Bob {unique}"], names);
    }

    [Fact]
    public async Task Your_own_name_in_another_case_is_yours_to_take()
    {
        var unique = Unique();
        using var bob = server.NewVisitor();
        var email = await bob.RegisterAsync();
        await bob.SetDisplayNameAsync($"bob {unique}");

        Assert.Equal(HttpStatusCode.Redirect, (await bob.SetDisplayNameAsync($"Bob {unique}")).StatusCode);
        Assert.Equal($"Bob {unique}", await server.QueryAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.DisplayName).SingleAsync()));
    }

    [Fact]
    public async Task A_name_derived_at_registration_that_is_taken_gets_a_numeric_suffix()
    {
        var local = $"bob{Unique()}";
        using var first = server.NewVisitor();
        using var second = server.NewVisitor();
        using var third = server.NewVisitor();
        using var chooser = server.NewVisitor();
        await first.RegisterAsync($"{local}@one.test");
        await second.RegisterAsync($"{local}@two.test");
        // Someone chose the name the next suffix would give: it is skipped.
        await chooser.RegisterAsync();
        await chooser.SetDisplayNameAsync($"{local}-3");
        await third.RegisterAsync($"{local.ToUpperInvariant()}@three.test");

        var names = await server.QueryAsync(db => db.Users.AsNoTracking()
            .Where(u => u.Email!.StartsWith(local) || u.Email!.StartsWith(local.ToUpperInvariant()))
            .OrderBy(u => u.CreatedAt).Select(u => u.DisplayName).ToListAsync());
        Assert.Equal([null, $"{local}-2", $"{local.ToUpperInvariant()}-4"], names);
    }

    [Fact]
    public async Task Registrations_racing_for_one_name_all_end_well_with_different_names()
    {
        var local = $"racer{Unique()}";
        var people = Enumerable.Range(0, 8).Select(_ => server.NewVisitor()).ToList();
        try
        {
            var answers = await Task.WhenAll(people.Select((person, i) => person.PostFormAsync("/Identity/Account/Register", new()
            {
                ["Input.Email"] = $"{local}@host{i}.test",
                ["Input.Password"] = SiteClient.Password,
                ["Input.ConfirmPassword"] = SiteClient.Password,
            })));

            // Each either signed up (302) or was asked to try again (200 with a message); never a 500.
            Assert.All(answers, answer => Assert.Contains(answer.StatusCode, new[] { HttpStatusCode.Redirect, HttpStatusCode.OK }));
            var keys = await server.QueryAsync(db => db.Users.AsNoTracking().Where(u => u.Email!.StartsWith(local)).Select(u => u.NormalizedDisplayName).ToListAsync());
            Assert.Equal(answers.Count(a => a.StatusCode == HttpStatusCode.Redirect), keys.Count);
            Assert.Equal(keys.Count, keys.Distinct().Count());
        }
        finally
        {
            people.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public async Task A_rename_reaches_history_open_pages_and_the_messages_sent_after_it()
    {
        var unique = Unique();
        using var alice = server.NewVisitor();
        using var bob = server.NewVisitor();
        var slug = await alice.SignUpBothWithRoomAsync(bob, $"Renames {unique}");
        await alice.SetDisplayNameAsync($"Alice {unique}");
        using var aliceSocket = await alice.ConnectAsync(slug);
        using var bobSocket = await bob.ConnectAsync(slug);
        await aliceSocket.SendMessageAsync("before the rename");
        Assert.Contains($"Alice {unique}", await bobSocket.ReceiveTextAsync());
        await aliceSocket.ReceiveTextAsync();
        var aliceId = await alice.UserIdAsync(slug);

        Assert.Equal(HttpStatusCode.Redirect, (await alice.SetDisplayNameAsync($"Alicia {unique}")).StatusCode);

        // Open pages hear of it (and rename that author's messages on screen).
        string? renamed;
        do renamed = (await bobSocket.ReceiveAsync()).Text;
        while (renamed is not null && !renamed.StartsWith("<div class=\"author-renamed\"", StringComparison.Ordinal));
        Assert.Contains($"data-user-id=\"{aliceId}\"", renamed);
        Assert.Contains($"data-name=\"Alicia {unique}\"", renamed);

        // The open socket's next message carries the new name, and history shows it on the old one.
        await aliceSocket.SendMessageAsync("after the rename");
        string next;
        do next = await bobSocket.ReceiveTextAsync();
        while (!next.Contains("after the rename"));
        Assert.Contains($"Alicia {unique}", next);
        var history = (await bob.Http.GetStringAsync($"/rooms/{slug}")).Split("id=\"messages\"")[1];
        Assert.DoesNotContain($"Alice {unique}", history);
        Assert.Equal(2, history.Split($"Alicia {unique}</a>").Length - 1);
        Assert.Equal(WebSocketState.Open, aliceSocket.State);
    }

    [Fact]
    public async Task Old_duplicate_names_are_told_apart_at_start_up()
    {
        var unique = Unique();
        using var first = server.NewVisitor();
        using var second = server.NewVisitor();
        var firstEmail = await first.RegisterAsync();
        var secondEmail = await second.RegisterAsync();
        await first.SetDisplayNameAsync($"Twin {unique}");
        // As a version before keys existed left it: the same name twice, no key on the second.
        await server.QueryAsync(db => db.Users.Where(u => u.Email == secondEmail).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.DisplayName, $"twin {unique}").SetProperty(x => x.NormalizedDisplayName, (string?)null)));

        await server.Services.MigrateDatabaseAsync();

        var names = await server.QueryAsync(db => db.Users.AsNoTracking().Where(u => u.Email == firstEmail || u.Email == secondEmail)
            .OrderBy(u => u.CreatedAt).Select(u => new { u.DisplayName, u.NormalizedDisplayName }).ToListAsync());
        Assert.Equal($"Twin {unique}", names[0].DisplayName);
        Assert.Equal($"twin {unique}-2", names[1].DisplayName);
        Assert.Equal(UserText.Key($"twin {unique}-2"), names[1].NormalizedDisplayName);
    }
}

/// <summary>The migration that makes display names unique, on a database that already has duplicates.</summary>
public sealed class UniqueDisplayNameMigrationTests
{
    [Fact]
    public async Task Existing_duplicates_keep_their_names_with_a_suffix_and_the_first_keeps_it_plain()
    {
        var directory = Directory.CreateTempSubdirectory("unique-names-");
        try
        {
            var options = new DbContextOptionsBuilder<AppDbContext>()
                .UseSqlite($"Data Source={Path.Combine(directory.FullName, "old.db")};Pooling=False").Options;
            await using var db = new AppDbContext(options);
            var migrator = db.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>();
            await migrator.MigrateAsync("20261130062554_RoomEvents");
            foreach (var (id, email, name, key) in new[]
            {
                ("a0000000-0000-0000-0000-000000000001", "bob@one.test", "Bob", "BOB"),
                ("b0000000-0000-0000-0000-000000000002", "bob@two.test", null, "BOB"),
                ("c0000000-0000-0000-0000-000000000003", "x@three.test", "ＢＯＢ", "BOB"),
                ("d0000000-0000-0000-0000-000000000004", "carol@four.test", null, "CAROL"),
            })
            {
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO "AspNetUsers" ("Id", "Email", "UserName", "DisplayName", "NormalizedDisplayName", "EmailConfirmed",
                        "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount")
                    VALUES ({id}, {email}, {email}, {name}, {key}, 0, 0, 0, 0, 0)
                    """);
            }

            await migrator.MigrateAsync();

            var users = await db.Users.AsNoTracking().OrderBy(u => u.Id).Select(u => new { u.DisplayName, u.NormalizedDisplayName }).ToListAsync();
            Assert.Equal(["Bob", "bob-b0000000", "ＢＯＢ-c0000000", null], users.Select(u => u.DisplayName));
            Assert.Equal(["BOB", "BOB-B0000000", "BOB-C0000000", "CAROL"], users.Select(u => u.NormalizedDisplayName));
            Assert.Equal(users.Select(u => u.NormalizedDisplayName), users.Select(u => u.DisplayName is null ? "CAROL" : UserText.Key(u.DisplayName)));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}

/// <summary>Every author shown carries a profile: the unique name and when the account was created.</summary>
[Collection(ChatServerCollection.Name)]
public sealed class ProfileCardTests(ChatServer server)
{
    [Fact]
    public async Task An_authors_name_links_to_their_profile_and_its_card()
    {
        using var alice = server.NewVisitor();
        using var bob = server.NewVisitor();
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Profiles");
        var name = $"Profiled {Guid.NewGuid().ToString("N")[..6]}";
        await alice.SetDisplayNameAsync(name);
        using var socket = await alice.ConnectAsync(slug);
        await socket.SendMessageAsync("who am I");
        var frame = await socket.ReceiveTextAsync();
        var aliceId = await alice.UserIdAsync(slug);
        Assert.Contains($"<a class=\"message-author\" href=\"/people/{aliceId}\" dir=\"auto\">{name}</a>", frame);

        var created = await server.QueryAsync(db => db.Users.Where(u => u.Id == aliceId).Select(u => u.CreatedAt).SingleAsync());
        Assert.NotNull(created);
        var card = await bob.Http.GetStringAsync($"/people/{aliceId}?handler=Card");
        Assert.Contains($"<bdi>{name}</bdi>", card);
        Assert.Contains($"Member since <time datetime=\"{created!.Value:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\"", card);
        // A calendar date, in UTC until the reader's browser has told the site its zone.
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"data-format=\"date\">{created.Value:MMM d, yyyy}</time>"), card);
        Assert.DoesNotContain("<html", card);
        var page = await bob.Http.GetAsync($"/people/{aliceId}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(name, await page.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/people/no-such-user")]
    [InlineData("/people/no-such-user?handler=Card")]
    public async Task An_unknown_person_is_404(string path)
    {
        using var bob = server.NewVisitor();
        await bob.RegisterAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await bob.Http.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task Profiles_are_for_signed_in_people()
    {
        using var stranger = server.NewVisitor();
        var answer = await stranger.Http.GetAsync("/people/anyone");
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.Contains("/Identity/Account/Login", answer.Headers.Location!.OriginalString);
    }
}
