using System.Net;
using System.Net.WebSockets;
using Microsoft.IdentityModel.Tokens;
using WebApp.Tests.Infrastructure;
using static WebApp.Tests.Infrastructure.ForgedTokens;

namespace WebApp.Tests.Chat;

/// <summary>
/// Each forged token differs from a real, usable one in exactly one way, so each test fails if the check that
/// catches that one difference is removed.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class TokenRulesTests(ChatServer server) : IAsyncLifetime
{
    private readonly SiteClient _alice = server.NewVisitor();
    private string _slug = "";

    public async Task InitializeAsync()
    {
        _slug = await _alice.SignUpWithRoomAsync("Token rules");
    }

    public Task DisposeAsync()
    {
        _alice.Dispose();
        return Task.CompletedTask;
    }

    private async Task<string> RealTokenAsync() => (await _alice.SocketTokenAsync(_slug)).Token;

    public static TheoryData<string, Changes> OneThingWrong => new()
    {
        { "bad signature", new Changes { SigningKey = "another-signing-key-that-is-also-32-bytes-long" } },
        { "algorithm not allowed", new Changes { Algorithm = SecurityAlgorithms.HmacSha512 } },
        { "algorithm not allowed", new Changes { Algorithm = SecurityAlgorithms.HmacSha384 } },
        { "bad signature", new Changes { KeyId = "attacker-key" } },
        { "bad signature", new Changes { KeyId = null } },
        { "wrong token type", new Changes { Type = "JWT" } },
        { "wrong issuer", new Changes { Issuer = "someone-else" } },
        { "wrong audience", new Changes { Audience = "some-other-api" } },
        { "token expired", new Changes { NotBefore = DateTime.UtcNow.AddMinutes(-1), Expires = DateTime.UtcNow.AddSeconds(-10) } },
        // Rows are made before the collection's earlier tests run: 30 s, not a few, so nbf is still beyond the 5 s skew.
        { "token not yet valid", new Changes { NotBefore = DateTime.UtcNow.AddSeconds(30), Expires = DateTime.UtcNow.AddMinutes(1) } },
    };

    [Theory]
    [MemberData(nameof(OneThingWrong))]
    public async Task Token_with_one_thing_wrong_is_refused_with_401(string reason, Changes changes)
    {
        var forged = From(await RealTokenAsync(), changes);

        Assert.Equal(HttpStatusCode.Unauthorized, await _alice.UpgradeStatusAsync(_slug, forged));
        Assert.Contains(server.Logs.Lines, line => line.Contains("rejected with 401") && line.Contains(reason));
        Assert.DoesNotContain(forged, server.Logs.All);
    }

    [Fact]
    public async Task The_same_forgery_with_nothing_wrong_is_accepted()
    {
        // Proves the forging itself is sound, so the refusals above are down to the one change each makes.
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await _alice.UpgradeStatusAsync(_slug, From(await RealTokenAsync(), new Changes())));
    }

    [Fact]
    public async Task Unsigned_alg_none_token_is_refused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await _alice.UpgradeStatusAsync(_slug, Unsigned(await RealTokenAsync())));
        Assert.Contains(server.Logs.Lines, line => line.Contains("rejected with 401: algorithm not allowed"));
    }

    [Fact]
    public async Task Garbage_is_refused_as_malformed()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await _alice.UpgradeStatusAsync(_slug, "not-a-jwt"));
        Assert.Contains(server.Logs.Lines, line => line.Contains("rejected with 401: malformed token"));
    }

    [Fact]
    public async Task Token_expired_a_few_seconds_ago_is_still_within_the_5_second_skew()
    {
        var justExpired = From(await RealTokenAsync(), new Changes { NotBefore = DateTime.UtcNow.AddMinutes(-1), Expires = DateTime.UtcNow.AddSeconds(-2) });

        Assert.Equal(HttpStatusCode.SwitchingProtocols, await _alice.UpgradeStatusAsync(_slug, justExpired));
    }

    [Fact]
    public async Task Replayed_token_is_refused()
    {
        var token = await RealTokenAsync();
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await _alice.UpgradeStatusAsync(_slug, token));

        Assert.Equal(HttpStatusCode.Unauthorized, await _alice.UpgradeStatusAsync(_slug, token));
        Assert.Contains(server.Logs.Lines, line => line.Contains("token already used"));
    }

    [Fact]
    public async Task Two_racing_uses_of_one_token_admit_only_one()
    {
        var token = await RealTokenAsync();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _alice.UpgradeStatusAsync(_slug, token)));

        Assert.Single(statuses, HttpStatusCode.SwitchingProtocols);
        Assert.Equal(7, statuses.Count(s => s == HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task Two_bearer_subprotocols_are_refused_with_400()
    {
        var first = await RealTokenAsync();
        var second = await RealTokenAsync();

        var status = await _alice.UpgradeStatusAsync(_slug, null, subProtocols: ["chat.v1", "bearer." + first, "bearer." + second]);

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Token_in_both_header_and_query_is_refused_with_400()
    {
        var token = await RealTokenAsync();

        Assert.Equal(HttpStatusCode.BadRequest, await _alice.UpgradeStatusAsync(_slug, token, query: "access_token=" + token));
    }

    [Fact]
    public async Task Refusals_never_contain_the_token()
    {
        var token = await RealTokenAsync();
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.AddSubProtocol("bearer." + token);

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_alice.SocketUri(_slug), SiteClient.TimeoutToken()));

        var answered = string.Join(" ", socket.HttpResponseHeaders!.SelectMany(h => h.Value));
        Assert.DoesNotContain(token, answered);
    }

    [Fact]
    public async Task Socket_token_is_no_credential_anywhere_else_on_the_site()
    {
        var token = await RealTokenAsync();
        using var bearerOnly = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        bearerOnly.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var page = await bearerOnly.GetAsync($"/rooms/{_slug}");
        var mint = await bearerOnly.PostAsync($"/rooms/{_slug}?handler=SocketToken", null);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/Identity/Account/Login", page.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, mint.StatusCode);
    }

    [Fact]
    public async Task Token_minted_before_a_password_change_is_refused_even_right_after_a_cached_check()
    {
        // This upgrade leaves alice's security state in the server's cache; the change must evict it.
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await _alice.UpgradeStatusAsync(_slug, await RealTokenAsync()));
        var token = await RealTokenAsync();

        await _alice.ChangePasswordAsync("A-new-Pa$$w0rd");

        Assert.Equal(HttpStatusCode.Unauthorized, await _alice.UpgradeStatusAsync(_slug, token));
        Assert.Contains(server.Logs.Lines, line => line.Contains("security stamp changed"));
    }

    [Fact]
    public async Task Token_of_a_locked_out_user_is_refused()
    {
        using var bob = server.NewVisitor();
        var email = await bob.RegisterAsync();
        var token = (await bob.SocketTokenAsync(_slug)).Token;
        using var attacker = server.NewVisitor();

        for (var i = 0; i < 5; i++) await attacker.LoginAsync(email, "wrong-password");

        Assert.Equal(HttpStatusCode.Unauthorized, await bob.UpgradeStatusAsync(_slug, token));
        Assert.Contains(server.Logs.Lines, line => line.Contains("account locked out"));
    }

    [Fact]
    public async Task Token_of_a_deleted_user_is_refused()
    {
        using var bob = server.NewVisitor();
        await bob.RegisterAsync();
        var token = (await bob.SocketTokenAsync(_slug)).Token;

        var deleted = await bob.DeleteAccountAsync();

        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await bob.UpgradeStatusAsync(_slug, token));
        Assert.Contains(server.Logs.Lines, line => line.Contains("user no longer exists"));
    }
}
