using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Security;

/// <summary>
/// No credential reaches any log at any level, whatever its spelling or position: the socket token in the query
/// (any letter case, percent-encoded name, repeated, beside other parameters, under another name), in the
/// <c>Sec-WebSocket-Protocol</c> header, in a malformed request line; the Identity and antiforgery cookies; passwords
/// and <c>__RequestVerificationToken</c> in forms; the <c>RequestVerificationToken</c> header; Identity's emailed codes.
/// Neither the secret nor any 20-character slice of it (as sent or percent-encoded) may appear.
/// </summary>
[Collection(TraceLoggingCollection.Name)]
public sealed class CredentialLoggingTests(TraceLoggingChatServer server) : IAsyncLifetime
{
    private readonly SiteClient _alice = server.NewVisitor();
    private string _slug = "";

    public async Task InitializeAsync()
    {
        _slug = await _alice.SignUpWithRoomAsync("Never logged");
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Spellings of the token parameter the endpoint accepts; {0} is the token.</summary>
    public static TheoryData<string> AcceptedSpellings => new()
    {
        "access_token={0}",
        "ACCESS_TOKEN={0}",
        "Access_Token={0}",
        "aCcEsS_tOkEn={0}",
        "access%5Ftoken={0}",
        "access%5ftoken={0}",
        "%61%63%63%65%73%73%5F%74%6F%6B%65%6E={0}",
        "ACCESS%5FTOKEN={0}",
        "after=0&ACCESS_TOKEN={0}",
        "Access_Token={0}&after=0",
    };

    [Theory]
    [MemberData(nameof(AcceptedSpellings))]
    public async Task Token_in_the_query_under_any_accepted_spelling_opens_the_socket_and_is_never_logged(string spelling)
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;
        var marker = Guid.NewGuid().ToString("N");

        var status = await RawUpgradeAsync($"{string.Format(spelling, token)}&trace={marker}");

        Assert.Equal(101, status);
        var requestLog = await server.TraceLogs.RequestLineAsync(marker);
        Assert.Contains("=REDACTED", requestLog);
        server.TraceLogs.AssertNeverLogged(token);
    }

    [Theory]
    [MemberData(nameof(AcceptedSpellings))]
    public async Task Whatever_is_sent_as_the_token_is_never_logged_even_when_it_is_no_JWT(string spelling)
    {
        // Not shaped like a JWT, so only the parameter's name can tell the log it is a credential.
        var secret = "opaque-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        var marker = Guid.NewGuid().ToString("N");

        var status = await RawUpgradeAsync($"{string.Format(spelling, secret)}&trace={marker}");

        Assert.Equal(401, status);
        Assert.Contains("=REDACTED", await server.TraceLogs.RequestLineAsync(marker));
        server.TraceLogs.AssertNeverLogged(secret);
    }

    /// <summary>Two token parameters, in any two spellings; {0} and {1} are two different tokens.</summary>
    public static TheoryData<string> RepeatedSpellings => new()
    {
        "access_token={0}&access_token={1}",
        "access_token={0}&ACCESS_TOKEN={1}",
        "ACCESS_TOKEN={0}&access_token={1}",
        "Access_Token={0}&aCcEsS_tOkEn={1}",
        "access%5Ftoken={0}&access_token={1}",
        "access_token={0}&after=0&%61ccess_token={1}",
        "access_token={0}&access_token=",
    };

    [Theory]
    [MemberData(nameof(RepeatedSpellings))]
    public async Task Token_parameter_repeated_in_any_spelling_is_refused_with_400_and_never_logged(string spelling)
    {
        var first = (await _alice.SocketTokenAsync(_slug)).Token;
        var second = (await _alice.SocketTokenAsync(_slug)).Token;
        var marker = Guid.NewGuid().ToString("N");

        var status = await RawUpgradeAsync($"{string.Format(spelling, first, second)}&trace={marker}");

        Assert.Equal(400, status);
        await server.TraceLogs.RequestLineAsync(marker);
        Assert.Contains(server.TraceLogs.Lines, line => line.Contains("rejected with 400: more than one access_token parameter"));
        server.TraceLogs.AssertNeverLogged(first);
        server.TraceLogs.AssertNeverLogged(second);
    }

    /// <summary>A token where the endpoint does not look for one is still a credential; {0} is the token.</summary>
    public static TheoryData<string> OtherPlaces => new()
    {
        "token={0}",
        "jwt={0}",
        "bearer=bearer.{0}",
        "{0}",
        "returnUrl=%2Fws%3Faccess_token%3D{0}",
    };

    [Theory]
    [MemberData(nameof(OtherPlaces))]
    public async Task Token_under_another_name_is_not_accepted_and_never_logged(string place)
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;
        var marker = Guid.NewGuid().ToString("N");

        var status = await RawUpgradeAsync($"{string.Format(place, token)}&trace={marker}");

        Assert.Equal(401, status);
        await server.TraceLogs.RequestLineAsync(marker);
        server.TraceLogs.AssertNeverLogged(token);
    }

    [Fact]
    public async Task Token_in_the_subprotocol_header_is_never_logged_accepted_or_refused()
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;

        using (var socket = await _alice.ConnectWithTokenAsync(_slug, token))
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
        }
        // The same token again: refused as a replay, after the endpoint has read it.
        Assert.Equal(HttpStatusCode.Unauthorized, await _alice.UpgradeStatusAsync(_slug, token));

        await Eventually(() => server.TraceLogs.Lines.Count(line => line.Contains($"/ws/rooms/{_slug}") && line.Contains("StatusCode")) >= 2);
        server.TraceLogs.AssertNeverLogged(token);
    }

    [Fact]
    public async Task Token_in_a_malformed_request_line_is_never_logged()
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;

        // A control character makes the request target invalid; Kestrel answers 400 before any middleware runs.
        var status = await RawRequestAsync($"GET /ws/rooms/{_slug}?access_token={token}\u0001 HTTP/1.1");

        Assert.Equal(400, status);
        server.TraceLogs.AssertNeverLogged(token);
    }

    [Fact]
    public async Task Identity_and_antiforgery_cookies_are_never_logged()
    {
        var marker = Guid.NewGuid().ToString("N");
        await _alice.Http.GetStringAsync($"/rooms/{_slug}?trace={marker}");
        using (var socket = new ClientWebSocket())
        {
            // Browsers send the site's cookies with the upgrade too.
            socket.Options.Cookies = _alice.Cookies;
            socket.Options.AddSubProtocol("chat.v1");
            socket.Options.AddSubProtocol("bearer." + (await _alice.SocketTokenAsync(_slug)).Token);
            await socket.ConnectAsync(_alice.SocketUri(_slug), SiteClient.TimeoutToken());
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", SiteClient.TimeoutToken());
        }

        await server.TraceLogs.RequestLineAsync(marker);
        var cookies = _alice.Cookies.GetAllCookies();
        Assert.Contains(cookies, cookie => cookie.Name == ".AspNetCore.Identity.Application");
        Assert.Contains(cookies, cookie => cookie.Name.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        foreach (Cookie cookie in cookies) server.TraceLogs.AssertNeverLogged(cookie.Value);
    }

    [Fact]
    public async Task Passwords_and_form_antiforgery_tokens_are_never_logged_on_register_and_login()
    {
        using var bob = server.NewVisitor();
        var email = SiteClient.NewEmail("bob");
        var password = "Pw-" + Guid.NewGuid().ToString("N") + "!";
        var wrongPassword = "Wrong-" + Guid.NewGuid().ToString("N") + "!";
        var markers = new List<string>();
        var formTokens = new List<string>();

        async Task<HttpResponseMessage> PostAsync(string path, Dictionary<string, string> fields)
        {
            var marker = Guid.NewGuid().ToString("N");
            markers.Add(marker);
            fields["__RequestVerificationToken"] = await bob.FormTokenAsync(path);
            formTokens.Add(fields["__RequestVerificationToken"]);
            return await bob.Http.PostAsync($"{path}?trace={marker}", new FormUrlEncodedContent(fields));
        }

        var registered = await PostAsync("/Identity/Account/Register", new()
        {
            ["Input.Email"] = email, ["Input.Password"] = password, ["Input.ConfirmPassword"] = password,
        });
        await bob.SignOutAsync();
        var refused = await PostAsync("/Identity/Account/Login", new() { ["Input.Email"] = email, ["Input.Password"] = wrongPassword });
        var signedIn = await PostAsync("/Identity/Account/Login", new() { ["Input.Email"] = email, ["Input.Password"] = password });

        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        foreach (var marker in markers) await server.TraceLogs.RequestLineAsync(marker);
        server.TraceLogs.AssertNeverLogged(password);
        server.TraceLogs.AssertNeverLogged(wrongPassword);
        foreach (var formToken in formTokens) server.TraceLogs.AssertNeverLogged(formToken);
    }

    [Fact]
    public async Task Antiforgery_header_is_never_logged()
    {
        var antiforgery = await _alice.RoomAntiforgeryTokenAsync(_slug);
        var marker = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/rooms/{_slug}?handler=SocketToken&trace={marker}");
        request.Headers.Add("RequestVerificationToken", antiforgery);

        var response = await _alice.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await server.TraceLogs.RequestLineAsync(marker);
        server.TraceLogs.AssertNeverLogged(antiforgery);
    }

    [Theory]
    [InlineData("/Identity/Account/ResetPassword?code={0}")]
    [InlineData("/Identity/Account/ResetPassword?CODE={0}")]
    [InlineData("/Identity/Account/ConfirmEmail?userId=someone&code={0}")]
    public async Task Identity_emailed_codes_are_never_logged(string link)
    {
        // Shaped like Identity's codes: base64url of a data-protected token.
        var code = Convert.ToBase64String(Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray())
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var marker = Guid.NewGuid().ToString("N");

        await _alice.Http.GetAsync(string.Format(link, code) + $"&trace={marker}");

        await server.TraceLogs.RequestLineAsync(marker);
        server.TraceLogs.AssertNeverLogged(code);
    }

    /// <summary>An upgrade with exactly these query bytes (ClientWebSocket's Uri would normalise percent-encoding).</summary>
    private Task<int> RawUpgradeAsync(string query) =>
        RawRequestAsync($"GET /ws/rooms/{_slug}?{query} HTTP/1.1",
            "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==");

    /// <summary>Sends a request line and headers as written, returns the status code, and hangs up.</summary>
    private async Task<int> RawRequestAsync(string requestLine, params string[] headers)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        var stream = tcp.GetStream();
        var request = new StringBuilder(requestLine).Append("\r\nHost: ").Append(server.BaseAddress.Authority).Append("\r\n");
        foreach (var header in headers) request.Append(header).Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync(SiteClient.TimeoutToken());
        return int.Parse(statusLine!.Split(' ')[1]);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(50);
        }
    }
}
