using System.Net;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>Room names in any script keep a readable address (issue: 雑談部屋 became /rooms/room).</summary>
[Collection(ChatServerCollection.Name)]
public sealed class RoomAddressTests(ChatServer server)
{
    public static TheoryData<string, string> Names => new()
    {
        { "雑談部屋", "雑談部屋" },                        // Japanese
        { "闲聊 Room", "闲聊-room" },                      // Chinese and Latin
        { "Café au lait!", "café-au-lait" },              // accents kept, punctuation one dash
        { "ＣＡＦＥ　２４", "cafe-24" },                    // fullwidth folds under NFKC
        { "Привет, мир", "привет-мир" },                  // Cyrillic, lower-cased
        { "שלום עולם", "שלום-עולם" },                      // Hebrew
        { "नमस्ते दुनिया", "नमस्ते-दुनिया" },                    // Devanagari keeps its vowel signs (marks)
        { "😀 party 🎉", "party" },                        // symbols are separators
        { "!!!", "room" },                                 // nothing to keep
        { "a\u200Bb", "a-b" },                             // an invisible separator is still a separator
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void A_slug_keeps_letters_and_digits_of_every_script(string name, string slug) => Assert.Equal(slug, Room.SlugFrom(name));

    [Fact]
    public void A_long_name_is_cut_at_a_character_boundary()
    {
        var slug = Room.SlugFrom(string.Concat(Enumerable.Repeat("𠮷", 40)));
        Assert.True(slug.Length <= Room.SlugMaxLength);
        Assert.Equal(slug.Length / 2, slug.EnumerateRunes().Count());
    }

    [Theory]
    [InlineData("雑談部屋")]
    [InlineData("Ünïcödé Ström")]
    [InlineData("Привет")]
    public async Task A_room_with_a_name_in_any_script_is_reached_at_its_own_address_and_chats(string baseName)
    {
        using var alice = server.NewVisitor();
        await alice.RegisterAsync();
        var name = $"{baseName} {Guid.NewGuid().ToString("N")[..4]}";

        var created = await alice.PostFormAsync("/", new() { ["Input.Name"] = name });

        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var location = created.Headers.Location!.OriginalString;
        Assert.Equal("/rooms/" + Uri.EscapeDataString(Room.SlugFrom(name)), location);
        var slug = Uri.UnescapeDataString(location["/rooms/".Length..]);
        Assert.NotEqual("room", slug.Split('-')[0]);
        var page = await alice.Http.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var socket = await alice.ConnectAsync(slug);
        await socket.SendMessageAsync("hello");
        Assert.Contains("hello", await socket.ReceiveTextAsync());
    }
}
