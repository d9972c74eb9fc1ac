using System.Diagnostics;
using System.Net;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

/// <summary>No socket outlives its authorization: each way of losing it closes sockets with 4001 within a second.</summary>
[Collection(ChatServerCollection.Name)]
public sealed class RevocationTests(ChatServer server)
{
    private const int Unauthorized = 4001;
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(1);

    /// <summary>One person signed in from two browsers, each with a socket open in the same room.</summary>
    private async Task<(SiteClient Laptop, SiteClient Phone, string Slug, CloseWatch LaptopSocket, CloseWatch PhoneSocket, string Email)> TwoBrowsersAsync()
    {
        var laptop = server.NewVisitor();
        var email = await laptop.RegisterAsync();
        var slug = await laptop.CreateRoomAsync("Revocation");
        var phone = server.NewVisitor();
        Assert.Equal(HttpStatusCode.Redirect, (await phone.LoginAsync(email)).StatusCode);
        var laptopSocket = new CloseWatch(await laptop.ConnectAsync(slug));
        var phoneSocket = new CloseWatch(await phone.ConnectAsync(slug));
        return (laptop, phone, slug, laptopSocket, phoneSocket, email);
    }

    private static async Task AssertClosedPromptlyWith4001(CloseWatch socket, long since)
    {
        var (status, _, after) = await socket.ClosedAsync(since);
        Assert.Equal(Unauthorized, (int?)status);
        Assert.True(after <= Promptly, $"closed after {after.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Signing_out_closes_only_that_browsers_sockets()
    {
        var (laptop, phone, slug, laptopSocket, phoneSocket, _) = await TwoBrowsersAsync();

        var start = Stopwatch.GetTimestamp();
        await laptop.SignOutAsync();

        await AssertClosedPromptlyWith4001(laptopSocket, start);
        Assert.False(phoneSocket.IsClosed);
        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.Http.PostAsync($"/rooms/{slug}?handler=SocketToken", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await phone.RequestSocketTokenAsync(slug)).StatusCode);
    }

    [Fact]
    public async Task Password_change_closes_every_socket_of_the_user()
    {
        var (laptop, _, _, laptopSocket, phoneSocket, _) = await TwoBrowsersAsync();

        var start = Stopwatch.GetTimestamp();
        await laptop.ChangePasswordAsync("Changed-Pa$$w0rd");

        await AssertClosedPromptlyWith4001(laptopSocket, start);
        await AssertClosedPromptlyWith4001(phoneSocket, start);
    }

    [Fact]
    public async Task Sign_out_everywhere_closes_every_socket_and_retires_other_cookies()
    {
        var (laptop, phone, slug, laptopSocket, phoneSocket, _) = await TwoBrowsersAsync();

        var start = Stopwatch.GetTimestamp();
        var response = await laptop.SignOutEverywhereAsync();

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await AssertClosedPromptlyWith4001(laptopSocket, start);
        await AssertClosedPromptlyWith4001(phoneSocket, start);
        // The phone's cookie still looks valid to the page, but it can no longer get a socket token.
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.RequestSocketTokenAsync(slug)).StatusCode);
    }

    [Fact]
    public async Task Lockout_closes_every_socket_of_the_user()
    {
        var (_, _, _, laptopSocket, phoneSocket, email) = await TwoBrowsersAsync();
        using var attacker = server.NewVisitor();
        for (var i = 0; i < 4; i++) await attacker.LoginAsync(email, "wrong-password");

        var start = Stopwatch.GetTimestamp();
        await attacker.LoginAsync(email, "wrong-password");

        await AssertClosedPromptlyWith4001(laptopSocket, start);
        await AssertClosedPromptlyWith4001(phoneSocket, start);
    }

    [Fact]
    public async Task Deleting_the_account_closes_every_socket()
    {
        var (laptop, _, _, laptopSocket, phoneSocket, _) = await TwoBrowsersAsync();

        var start = Stopwatch.GetTimestamp();
        await laptop.DeleteAccountAsync();

        await AssertClosedPromptlyWith4001(laptopSocket, start);
        await AssertClosedPromptlyWith4001(phoneSocket, start);
    }

    [Fact]
    public async Task Profile_change_keeps_sockets_open()
    {
        var (laptop, _, _, laptopSocket, phoneSocket, _) = await TwoBrowsersAsync();

        await laptop.SetDisplayNameAsync("Still Me");

        Assert.False(laptopSocket.IsClosed);
        Assert.False(phoneSocket.IsClosed);
    }
}
