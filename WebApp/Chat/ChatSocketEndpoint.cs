using System.Globalization;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using WebApp.Auth;

namespace WebApp.Chat;

/// <summary>
/// <c>GET /ws/rooms/{slug}</c> (HTTP/1.1 upgrade) or <c>CONNECT</c> (HTTP/2, RFC 8441): checks origin, transport, token, user, room and the per-user socket cap before the
/// upgrade, answering anything wrong with an HTTP status and a logged reason (never the token), then runs the
/// accepted socket until it closes.
/// </summary>
public sealed class ChatSocketEndpoint(
    SocketAuthorizer authorizer,
    LiveRooms rooms,
    ChatFrameHandler frames,
    IOptions<ChatOptions> options,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ChatMetrics metrics,
    ILogger<ChatSocketEndpoint> logger)
{
    public const string SubProtocol = "chat.v1";
    public const string BearerPrefix = "bearer.";
    public const string QueryTokenName = "access_token";
    public const string QueryAfterName = "after";

    private readonly ChatOptions _options = options.Value;

    public async Task HandleAsync(HttpContext context, string slug)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RejectAsync(context, slug, StatusCodes.Status400BadRequest, "not a WebSocket request");
            return;
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            await RejectAsync(context, slug, StatusCodes.Status503ServiceUnavailable, "server shutting down");
            return;
        }

        long? after = null;
        if (context.Request.Query.TryGetValue(QueryAfterName, out var afterValue))
        {
            if (afterValue.Count != 1 || !long.TryParse(afterValue[0], out var seq) || seq < 0)
            {
                await RejectAsync(context, slug, StatusCodes.Status400BadRequest, "after must be one non-negative whole number");
                return;
            }
            after = seq;
        }

        if (!IsAllowedOrigin(context.Request))
        {
            await RejectAsync(context, slug, StatusCodes.Status403Forbidden, "origin not allowed");
            return;
        }

        var (token, tokenProblem, offersChatProtocol) = ReadOffer(context);
        if (tokenProblem is not null)
        {
            await RejectAsync(context, slug, StatusCodes.Status400BadRequest, tokenProblem);
            return;
        }
        if (token is null)
        {
            await RejectAsync(context, slug, StatusCodes.Status401Unauthorized, "missing token");
            return;
        }

        var admission = await authorizer.AuthorizeAsync(token, slug, context.RequestAborted);
        if (admission is not { Grant: { } grant, Room: { } room })
        {
            await RejectAsync(context, slug, admission.Status, admission.Reason);
            return;
        }

        if (!rooms.TryReserveSlot(grant.UserId, _options.MaxSocketsPerUser))
        {
            await RejectAsync(context, slug, StatusCodes.Status429TooManyRequests, $"user already has {_options.MaxSocketsPerUser} open sockets");
            return;
        }
        try
        {
            await RunSocketAsync(context, grant, room, after, offersChatProtocol);
        }
        finally
        {
            rooms.ReleaseSlot(grant.UserId);
        }
    }

    private async Task RunSocketAsync(HttpContext context, SocketGrant grant, RoomInfo room, long? after, bool offersChatProtocol)
    {
        // "Only live messages" means those stored after this answer: take where the room stands before answering,
        // so one stored while the socket is being added to the room is sent rather than missed.
        after ??= await rooms.CurrentSeqAsync(room.Id);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            // Only ever chat.v1: answering with the offered bearer.<jwt> would echo the token back.
            SubProtocol = offersChatProtocol ? SubProtocol : null,
            DangerousEnableCompression = false,
            KeepAliveInterval = _options.KeepAliveInterval,
            KeepAliveTimeout = _options.KeepAliveTimeout,
        });
        // The upgrade request lives as long as the socket; its copy of the token need not (a heap dump found it there).
        context.Request.Headers.Remove(HeaderNames.SecWebSocketProtocol);

        using var connection = new ChatConnection(socket, _options, logger, $"user {grant.UserId} in room {grant.Room}");
        using var session = new ChatSession(connection, grant, room, _options, clock) { Culture = CultureInfo.CurrentUICulture };
        var liveRoom = rooms.Room(room.Id);
        metrics.UpgradeAccepted();
        metrics.SocketOpened();
        using var stopping = lifetime.ApplicationStopping.Register(
            () => connection.Close(WebSocketCloseStatus.EndpointUnavailable, "server shutting down"));
        logger.LogInformation("Socket opened for user {UserId} in room {Room} after {After} over {Protocol}",
            grant.UserId, grant.Room, after, context.Request.Protocol);
        try
        {
            await connection.RunAsync(
                async () =>
                {
                    session.StartAuthorizationDeadline();
                    await liveRoom.JoinAsync(session, after);
                },
                (utf8, aborted) => frames.HandleAsync(session, liveRoom, ClientFrame.Parse(utf8.Span), aborted),
                context.RequestAborted);
        }
        finally
        {
            // What the socket sent is stored and delivered before it leaves (and before its session is disposed).
            await session.PostsSettledAsync();
            liveRoom.Leave(session);
            metrics.SocketClosed();
            logger.LogInformation("Socket closed for user {UserId} in room {Room}", grant.UserId, grant.Room);
        }
    }

    /// <summary>
    /// Whether a query parameter name (percent-decoded) is the socket token's: <c>access_token</c> in any letter case.
    /// The one rule for both reading the token here and keeping it out of request logs
    /// (<see cref="Security.RequestLogging"/>), so no spelling the endpoint accepts can be logged.
    /// </summary>
    public static bool IsTokenParameter(string name) => string.Equals(name, QueryTokenName, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The token (<see cref="FindToken"/>) and whether <c>chat.v1</c> is offered. Outside the async method, so no copy
    /// of the offered protocols (one is "bearer.&lt;jwt&gt;") stays alive with the socket; read once, as each read of
    /// <see cref="WebSocketManager.WebSocketRequestedProtocols"/> parses the header again.
    /// </summary>
    private static (string? Token, string? Problem, bool OffersChatProtocol) ReadOffer(HttpContext context)
    {
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        var (token, problem) = FindToken(offered, context.Request.Query);
        return (token, problem, offered.Contains(SubProtocol));
    }

    /// <summary>
    /// The token travels as the subprotocol <c>bearer.&lt;jwt&gt;</c> beside <c>chat.v1</c> (browsers), or as
    /// <c>?access_token=</c> (clients that cannot set subprotocols). More than one way, or more than one token in any
    /// spelling of the parameter, is refused: which of two tokens a reader would take is exactly what an attacker plays with.
    /// </summary>
    private static (string? Token, string? Problem) FindToken(IList<string> offered, IQueryCollection query)
    {
        var bearers = offered.Where(p => p.StartsWith(BearerPrefix, StringComparison.Ordinal)).ToList();
        var queried = query.Where(pair => IsTokenParameter(pair.Key)).SelectMany(pair => pair.Value).ToList();
        if (bearers.Count > 1) return (null, "more than one bearer subprotocol");
        if (queried.Count > 1) return (null, $"more than one {QueryTokenName} parameter (names match in any letter case)");
        if (bearers.Count == 1 && queried.Count == 1) return (null, "token in both subprotocol and query");
        if (bearers.Count == 1)
        {
            if (!offered.Contains(SubProtocol)) return (null, $"bearer subprotocol offered without {SubProtocol}");
            return (bearers[0][BearerPrefix.Length..], null);
        }
        return (queried.Count == 1 && !string.IsNullOrEmpty(queried[0]) ? queried[0] : null, null);
    }

    /// <summary>Browsers always send Origin on WebSocket upgrades; other clients may leave it out.</summary>
    private bool IsAllowedOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return true;
        var own = $"{request.Scheme}://{request.Host.Value}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            || _options.AllowedOrigins.Any(allowed => string.Equals(origin, allowed.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
    }

    private async Task RejectAsync(HttpContext context, string slug, int status, string reason)
    {
        logger.LogWarning("WebSocket upgrade to room {Room} rejected with {Status}: {Reason}", Security.RequestLogging.RedactPath(slug), status, reason);
        metrics.UpgradeRejected(status, reason);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(reason, context.RequestAborted);
    }
}
