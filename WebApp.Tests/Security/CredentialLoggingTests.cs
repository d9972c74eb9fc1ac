using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Security;

/// <summary>
/// The site with every log category at Trace, every line of every level kept: an operator who turns logging all the
/// way up must still find no credential in it.
/// </summary>
public sealed class TraceLoggingChatServer : ChatServer
{
    /// <summary>Every line at every level (<see cref="ChatServer.Logs"/> keeps Debug and above only).</summary>
    public TraceLines TraceLogs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.AddProvider(TraceLogs));
    }

    protected override Dictionary<string, string> Settings => new()
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
    };

    public sealed class TraceLines : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;
        public string All => string.Join('\n', _lines);

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);
        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TraceLoggingCollection : ICollectionFixture<TraceLoggingChatServer>
{
    public const string Name = "trace logging chat server";
}

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
    private const int SliceLength = 20;
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
        var requestLog = await RequestLogAsync(marker);
        Assert.Contains("=REDACTED", requestLog);
        AssertNeverLogged(token);
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
        Assert.Contains("=REDACTED", await RequestLogAsync(marker));
        AssertNeverLogged(secret);
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
        await RequestLogAsync(marker);
        Assert.Contains(server.TraceLogs.Lines, line => line.Contains("rejected with 400: more than one access_token parameter"));
        AssertNeverLogged(first);
        AssertNeverLogged(second);
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
        await RequestLogAsync(marker);
        AssertNeverLogged(token);
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
        AssertNeverLogged(token);
    }

    [Fact]
    public async Task Token_in_a_malformed_request_line_is_never_logged()
    {
        var token = (await _alice.SocketTokenAsync(_slug)).Token;

        // A control character makes the request target invalid; Kestrel answers 400 before any middleware runs.
        var status = await RawRequestAsync($"GET /ws/rooms/{_slug}?access_token={token}\u0001 HTTP/1.1");

        Assert.Equal(400, status);
        AssertNeverLogged(token);
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

        await RequestLogAsync(marker);
        var cookies = _alice.Cookies.GetAllCookies();
        Assert.Contains(cookies, cookie => cookie.Name == ".AspNetCore.Identity.Application");
        Assert.Contains(cookies, cookie => cookie.Name.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        foreach (Cookie cookie in cookies) AssertNeverLogged(cookie.Value);
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
        foreach (var marker in markers) await RequestLogAsync(marker);
        AssertNeverLogged(password);
        AssertNeverLogged(wrongPassword);
        foreach (var formToken in formTokens) AssertNeverLogged(formToken);
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
        await RequestLogAsync(marker);
        AssertNeverLogged(antiforgery);
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

        await RequestLogAsync(marker);
        AssertNeverLogged(code);
    }

    /// <summary>Neither the secret nor any 20-character slice of it, as sent or percent-encoded, is in any log line.</summary>
    private void AssertNeverLogged(string secret)
    {
        var logs = server.TraceLogs.All;
        foreach (var form in new[] { secret, Uri.EscapeDataString(secret) }.Distinct())
        {
            var length = Math.Min(SliceLength, form.Length);
            for (var start = 0; start + length <= form.Length; start++)
            {
                var slice = form.Substring(start, length);
                if (!logs.Contains(slice, StringComparison.Ordinal)) continue;
                // Names the line (level and category, up to the message) without repeating the secret.
                var line = server.TraceLogs.Lines.First(l => l.Contains(slice, StringComparison.Ordinal));
                var at = line.IndexOf(slice, StringComparison.Ordinal);
                Assert.Fail($"characters {start}-{start + length} of a {form.Length}-character secret are logged, in: {line[..Math.Min(at, 200)]}");
            }
        }
    }

    /// <summary>The HTTP log line of the request tagged <c>trace=marker</c>, once written (at the end of the request).</summary>
    private async Task<string> RequestLogAsync(string marker)
    {
        await Eventually(() => server.TraceLogs.Lines.Any(line => line.Contains(marker) && line.Contains("StatusCode")));
        return server.TraceLogs.Lines.First(line => line.Contains(marker) && line.Contains("StatusCode"));
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
