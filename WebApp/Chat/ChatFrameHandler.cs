using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>What each client frame means: a message to publish, or a fresh token that extends the socket's authorization.</summary>
public sealed class ChatFrameHandler(
    RoomMessagePublisher publisher,
    SocketAuthorizer authorizer,
    RazorPartialRenderer renderer,
    IOptions<ChatOptions> options,
    ILogger<ChatFrameHandler> logger)
{
    private readonly ChatOptions _options = options.Value;

    /// <param name="frame">The parsed frame, or null when it was not a JSON object (refused like any bad frame).</param>
    public Task HandleAsync(ChatConnection connection, ClientFrame? frame, CancellationToken cancellationToken) => frame?.Type switch
    {
        _ when frame is null => Reject(connection, "That message could not be read (expected JSON like {\"text\": \"hello\"})."),
        null or "message" => SendMessageAsync(connection, frame.Text, frame.ClientId),
        "refresh" => RefreshAsync(connection, frame.Token, cancellationToken),
        _ => Reject(connection, $"Unknown message type \"{UserText.Isolate(frame.Type)}\"."),
    };

    private Task SendMessageAsync(ChatConnection connection, string? rawText, string? clientId)
    {
        if (clientId is not null && !IsValidClientId(clientId))
        {
            return Reject(connection, $"clientId must be 1-{ChatMessage.ClientIdMaxLength} letters, digits, '-' or '_'.");
        }
        var cleaned = UserText.Clean(rawText, UserTextShape.Lines);
        if (cleaned.Problem == UserTextProblem.Blank) return Reject(connection, "Write something first.");
        if (!cleaned.IsValid) return Reject(connection, cleaned.Reason);
        var text = cleaned.Text;
        if (text.Length > _options.MaxMessageChars)
        {
            return Reject(connection, $"Messages can be at most {_options.MaxMessageChars} characters ({text.Length} sent).");
        }
        if (!connection.TryTakeMessageToken())
        {
            return Reject(connection, $"Slow down: at most {_options.RateLimit.MessagesPerSecond} messages a second.");
        }
        return publisher.PublishAsync(connection, text, clientId);
    }

    private static bool IsValidClientId(string clientId) =>
        clientId.Length is > 0 and <= ChatMessage.ClientIdMaxLength && clientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>Every rejection costs a strike; a client that keeps getting rejected is flooding and is closed.</summary>
    private async Task Reject(ChatConnection connection, string error)
    {
        if (connection.TryTakeStrike())
        {
            logger.LogInformation("Rejected a frame from user {UserId} in room {Room}: {Reason}", connection.Grant.UserId, connection.Grant.Room, error);
            connection.TrySend(await renderer.RenderFrameAsync(RazorPartialRenderer.ErrorPartial, error));
        }
        else
        {
            logger.LogWarning("Closing socket of user {UserId} in room {Room}: too many rejected messages", connection.Grant.UserId, connection.Grant.Room);
            connection.Close(WebSocketCloseStatus.PolicyViolation, "too many rejected messages");
        }
    }

    /// <summary>A refresh token passes the same rules as an upgrade, and must be for the same user and room.</summary>
    private async Task RefreshAsync(ChatConnection connection, string? token, CancellationToken cancellationToken)
    {
        var current = connection.Grant;
        if (string.IsNullOrEmpty(token))
        {
            RefuseRefresh(connection, ChatCloseCodes.Unauthorized, "refresh without a token");
            return;
        }
        var admission = await authorizer.AuthorizeAsync(token, current.Room, cancellationToken);
        if (admission.Grant is not { } grant)
        {
            var code = admission.Status == StatusCodes.Status403Forbidden ? ChatCloseCodes.Forbidden : ChatCloseCodes.Unauthorized;
            RefuseRefresh(connection, code, admission.Reason);
            return;
        }
        if (grant.UserId != current.UserId)
        {
            RefuseRefresh(connection, ChatCloseCodes.Unauthorized, "refresh token is for another user");
            return;
        }
        connection.ExtendAuthorization(grant);
    }

    private void RefuseRefresh(ChatConnection connection, WebSocketCloseStatus code, string reason)
    {
        logger.LogWarning("Refresh refused for user {UserId} in room {Room}: {Reason}", connection.Grant.UserId, connection.Grant.Room, reason);
        connection.Close(code, "refresh refused: " + reason);
    }
}
