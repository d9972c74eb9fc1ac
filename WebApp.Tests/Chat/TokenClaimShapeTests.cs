using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WebApp.Auth;
using WebApp.Chat;
using WebApp.Tests.Infrastructure;
using static WebApp.Tests.Infrastructure.ForgedTokens;

namespace WebApp.Tests.Chat;

/// <summary>
/// Correctly signed tokens whose claims a strict reader refuses (RFC 7519 NumericDates, RFC 7515 <c>crit</c>, members
/// given twice, lifetimes longer than the site issues): each is refused with 401 before the upgrade, and as an
/// in-band refresh closes the socket with 4001, with the reason logged and the token nowhere in the logs.
/// This server issues 60-second tokens with 5 seconds of clock skew.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class TokenClaimShapeTests(ChatServer server) : IAsyncLifetime
{
    private const int Unauthorized = 4001;
    private readonly SiteClient _alice = server.NewVisitor();
    private string _slug = "";

    public async Task InitializeAsync()
    {
        _slug = await _alice.SignUpWithRoomAsync("Claim shapes");
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        return Task.CompletedTask;
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static readonly string[] TimeClaims = ["exp", "nbf", "iat"];

    /// <summary>Each NumericDate claim in every shape that is not one: the claim's own valid value, dressed up.</summary>
    private static readonly Dictionary<string, Func<long, JsonNode?>> NotNumericDates = new()
    {
        ["a string of digits"] = valid => JsonValue.Create(valid.ToString()),
        ["a date string"] = valid => JsonValue.Create(DateTimeOffset.FromUnixTimeSeconds(valid).ToString("O")),
        ["true"] = _ => JsonValue.Create(true),
        ["false"] = _ => JsonValue.Create(false),
        ["null"] = _ => null,
        ["an array"] = valid => new JsonArray(valid),
        ["an empty array"] = _ => new JsonArray(),
        ["an object"] = valid => new JsonObject { ["seconds"] = valid },
        ["1e300"] = _ => JsonValue.Create(1e300),
        ["past year 9999"] = _ => JsonValue.Create(253_402_300_800L),
        ["negative"] = _ => JsonValue.Create(-1L),
    };

    /// <summary>Every refused forgery: what is wrong with it, the logged reason, and how to make it from a real token.</summary>
    private static readonly Dictionary<string, (string Reason, Func<string, string> Forge)> Refused = BuildRefused();

    private static Dictionary<string, (string, Func<string, string>)> BuildRefused()
    {
        var rows = new Dictionary<string, (string, Func<string, string>)>();
        foreach (var claim in TimeClaims)
        {
            foreach (var (shape, value) in NotNumericDates)
            {
                rows[$"{claim} is {shape}"] = ($"{claim} is not a NumericDate", real => Signed(real, payload =>
                    payload[claim] = value(payload[claim]!.GetValue<long>())));
            }
            rows[$"{claim} is missing"] = ($"token lacks {claim}", real => Signed(real, payload => payload.Remove(claim)));
            rows[$"{claim} overflows a double"] = ($"{claim} is not a NumericDate", real => Signed(real, rawPayload: text =>
                text.Replace($"\"{claim}\":", $"\"{claim}\":1e400,\"x-{claim}\":")));
            rows[$"{claim} appears twice"] = ($"claim {claim} appears twice", real => Signed(real, rawPayload: text =>
                "{\"" + claim + "\":\"later\"," + text[1..]));
        }

        rows["exp 60 days ahead"] = ("token lifetime (exp - iat) over 60 s", real => Signed(real, payload => payload["exp"] = Now + 60 * 86_400));
        rows["exp - iat longer than the lifetime"] = ("token lifetime (exp - iat) over 60 s", real => Signed(real, payload =>
        {
            payload["iat"] = Now - 30;
            payload["nbf"] = Now - 30;
            payload["exp"] = Now + 40;
        }));
        rows["exp - now longer than the lifetime"] = ("exp more than 60 s ahead", real => Signed(real, payload =>
        {
            payload["iat"] = Now + 4;
            payload["exp"] = Now + 68;
        }));
        rows["iat in the future beyond the skew"] = ("iat is in the future", real => Signed(real, payload => payload["iat"] = Now + 10));
        rows["exp before iat"] = ("exp is before iat", real => Signed(real, payload =>
        {
            payload["iat"] = Now + 3;
            payload["exp"] = Now + 2;
        }));

        foreach (var (form, value) in new Dictionary<string, Func<JsonNode?>>
        {
            ["[\"x-must-understand\"]"] = () => new JsonArray("x-must-understand"),
            ["[] (empty)"] = () => new JsonArray(),
            ["[\"exp\"]"] = () => new JsonArray("exp"),
            ["[\"b64\"]"] = () => new JsonArray("b64"),
            ["\"x-must-understand\""] = () => JsonValue.Create("x-must-understand"),
            ["null"] = () => null,
            ["{}"] = () => new JsonObject(),
            ["false"] = () => JsonValue.Create(false),
        })
        {
            rows[$"crit {form}"] = ("crit header not accepted", real => Signed(real, header: header => header["crit"] = value()));
        }
        rows["alg twice in the header"] = ("header member alg appears twice", real => Signed(real, rawHeader: text => "{\"alg\":\"none\"," + text[1..]));
        rows["typ twice in the header"] = ("header member typ appears twice", real => Signed(real, rawHeader: text => "{\"typ\":\"JWT\"," + text[1..]));
        rows["sub twice"] = ("claim sub appears twice", real => Signed(real, rawPayload: text => "{\"sub\":\"someone-else\"," + text[1..]));
        rows["room twice"] = ("claim room appears twice", real => Signed(real, rawPayload: text => "{\"room\":\"another-room\"," + text[1..]));
        rows["sub is a number"] = ("sub is not a string", real => Signed(real, payload => payload["sub"] = 42));
        rows["room is an array"] = ("room is not a string", real => Signed(real, payload => payload["room"] = new JsonArray(payload["room"]!.GetValue<string>())));
        rows["jti is null"] = ("jti is not a string", real => Signed(real, payload => payload["jti"] = null));
        rows["name is an object"] = ("name is not a string", real => Signed(real, payload => payload["name"] = new JsonObject()));
        rows["sid is true"] = ("sid is not a string", real => Signed(real, payload => payload["sid"] = true));
        rows["payload is an array"] = ("malformed token", real => Signed(real, rawPayload: _ => "[1,2,3]"));
        rows["four parts"] = ("malformed token", real => Signed(real) + ".extra");
        return rows;
    }

    public static TheoryData<string> RefusedForgeries => new(Refused.Keys);

    /// <summary>Valid NumericDates that are not what this site issues, but are within the rules.</summary>
    private static readonly Dictionary<string, Func<string, string>> Accepted = new()
    {
        ["as issued"] = real => Signed(real),
        ["NumericDates with fractions"] = real => Signed(real, payload =>
        {
            var now = Now;
            payload["iat"] = now - 0.25;
            payload["nbf"] = now - 0.5;
            payload["exp"] = now + 59.75;
        }),
        ["exponent notation"] = real => Signed(real, rawPayload: text => text.Replace("\"exp\":", "\"exp\":" + (Now + 30) / 10 + "e1,\"x-exp\":")),
        ["iat within the clock skew ahead"] = real => Signed(real, payload =>
        {
            payload["iat"] = Now + 3;
            payload["exp"] = Now + 60;
        }),
        ["exp - iat exactly the lifetime plus skew"] = real => Signed(real, payload =>
        {
            payload["iat"] = Now - 5;
            payload["nbf"] = Now - 5;
            payload["exp"] = Now + 60;
        }),
    };

    public static TheoryData<string> AcceptedForgeries => new(Accepted.Keys);

    private async Task<string> RealTokenAsync() => (await _alice.SocketTokenAsync(_slug)).Token;

    [Theory]
    [MemberData(nameof(RefusedForgeries))]
    public async Task Upgrade_with_a_claim_a_strict_reader_refuses_gets_401(string forgery)
    {
        var (reason, forge) = Refused[forgery];
        var forged = forge(await RealTokenAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, await _alice.UpgradeStatusAsync(_slug, forged));
        Assert.Contains(server.Logs.Lines, line => line.Contains("rejected with 401: " + reason));
        AssertNotLogged(forged);
    }

    [Theory]
    [MemberData(nameof(RefusedForgeries))]
    public async Task Refresh_with_a_claim_a_strict_reader_refuses_closes_with_4001(string forgery)
    {
        var (reason, forge) = Refused[forgery];
        using var socket = await _alice.ConnectAsync(_slug);
        var watch = new CloseWatch(socket);
        var forged = forge(await RealTokenAsync());

        await socket.SendTextAsync(JsonSerializer.Serialize(new { type = "refresh", token = forged }));

        var (status, closeReason, _) = await watch.ClosedAsync(Stopwatch.GetTimestamp());
        Assert.Equal(Unauthorized, (int?)status);
        Assert.StartsWith("refresh refused: " + reason, closeReason);
        Assert.Contains(server.Logs.Lines, line => line.Contains("Refresh refused") && line.Contains(reason));
        AssertNotLogged(forged);
    }

    [Theory]
    [MemberData(nameof(AcceptedForgeries))]
    public async Task Upgrade_with_valid_NumericDates_is_accepted(string forgery)
    {
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await _alice.UpgradeStatusAsync(_slug, Accepted[forgery](await RealTokenAsync())));
    }

    [Fact]
    public async Task Refresh_with_valid_NumericDates_keeps_the_socket_open()
    {
        using var socket = await _alice.ConnectAsync(_slug);

        await socket.SendTextAsync(JsonSerializer.Serialize(new { type = "refresh", token = Accepted["NumericDates with fractions"](await RealTokenAsync()) }));
        await socket.SendMessageAsync("still here");

        // Frames are handled in order: a refused refresh would have closed the socket before this message.
        Assert.Contains("still here", await socket.ReceiveTextAsync());
    }

    /// <summary>
    /// No token can now reach a socket with a deadline the timer cannot hold (49.7 days), so this test plays the
    /// connection a grant the validation above would have refused, on a real WebSocket over loopback TCP: the failure
    /// must reach the client as 1011 with an error logged, not as a dropped connection (1006).
    /// </summary>
    [Fact]
    public async Task A_failure_after_the_upgrade_closes_with_1011_and_logs_why()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var clientTcp = new TcpClient();
        await clientTcp.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var serverTcp = await listener.AcceptTcpClientAsync();
        using var serverSocket = WebSocket.CreateFromStream(serverTcp.GetStream(), new WebSocketCreationOptions { IsServer = true });
        using var clientSocket = WebSocket.CreateFromStream(clientTcp.GetStream(), new WebSocketCreationOptions { IsServer = false });
        var watch = new CloseWatch(clientSocket);
        var sixtyDays = new SocketGrant("user-1", "Someone", _slug, "session", "stamp", "jti", DateTime.UtcNow.AddDays(60));
        var room = new RoomInfo(1, _slug, "Claim shapes", IsPrivate: false, OwnerId: "user-1");
        var logger = server.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ChatSocketEndpoint>();
        var options = server.Services.GetRequiredService<IOptions<ChatOptions>>().Value;
        using var connection = new ChatConnection(serverSocket, options, logger, "user-1 in the test room");
        using var session = new ChatSession(connection, sixtyDays, room, options, TimeProvider.System);

        await connection.RunAsync(
            () => { session.StartAuthorizationDeadline(); return Task.CompletedTask; },
            (_, _) => Task.CompletedTask,
            SiteClient.TimeoutToken());

        var (status, reason, _) = await watch.ClosedAsync(Stopwatch.GetTimestamp());
        Assert.Equal(WebSocketCloseStatus.InternalServerError, status);
        Assert.Equal("internal error", reason);
        Assert.Contains(server.Logs.Lines, line => line.StartsWith("Error") && line.Contains("closing with 1011") && line.Contains(nameof(ArgumentOutOfRangeException)));
    }

    private void AssertNotLogged(string token)
    {
        var logs = server.Logs.All;
        Assert.DoesNotContain(token, logs);
        Assert.DoesNotContain(token.Split('.')[^1], logs);
    }
}
