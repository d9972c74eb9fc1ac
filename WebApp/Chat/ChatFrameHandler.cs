using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>
/// What each client frame (<see cref="ClientFrame"/>) means for a session in its live room: a message to post, an
/// edit or deletion, a typing signal, a read report, or a fresh token that extends the socket's authorization.
/// Every refusal answers with an error fragment and costs a strike; too many close the socket with 1008.
/// </summary>
public sealed class ChatFrameHandler(
    SocketAuthorizer authorizer,
    ReadMarkers readMarkers,
    RoomFrames frames,
    IOptions<ChatOptions> options,
    ILogger<ChatFrameHandler> logger)
{
    private readonly ChatOptions _options = options.Value;

    /// <param name="frame">The parsed frame, or null when it was not a JSON object of the protocol's shape (refused like any bad frame).</param>
    public Task HandleAsync(ChatSession session, LiveRoom room, ClientFrame? frame, CancellationToken cancellationToken) => frame?.Type switch
    {
        _ when frame is null => Reject(session, Say("That message could not be read (expected JSON like {0}).", "{\"text\": \"hello\"}")),
        null or "message" => PostAsync(session, room, frame.Text, frame.ClientId),
        "edit" => EditAsync(session, room, frame.Id, frame.Text),
        "delete" => DeleteAsync(session, room, frame.Id),
        "typing" => TypingAsync(session, room),
        "read" => Read(session, room, frame.Seq),
        "refresh" => RefreshAsync(session, frame.Token, cancellationToken),
        _ => Reject(session, Say("Unknown message type \"{0}\".", UserText.Isolate(frame.Type))),
    };

    private Task PostAsync(ChatSession session, LiveRoom room, string? rawText, string? clientId)
    {
        if (clientId is not null && !IsValidClientId(clientId))
        {
            return Reject(session, Say("clientId must be 1-{0} letters, digits, '-' or '_'.", ChatMessage.ClientIdMaxLength));
        }
        if (CheckText(rawText) is var (text, problem) && problem is not null) return Reject(session, problem, ChatError.Invalid, clientId);
        if (!session.TryTakeMessageToken()) return Reject(session, TooFast(), ChatError.Rate, clientId);
        return room.PostAsync(session, text, clientId);
    }

    private async Task EditAsync(ChatSession session, LiveRoom room, long? id, string? rawText)
    {
        if (id is not { } messageId)
        {
            await Reject(session, Say("An edit needs the id of the message."));
            return;
        }
        if (CheckText(rawText) is var (text, problem) && problem is not null)
        {
            await Reject(session, problem);
            return;
        }
        if (!session.TryTakeMessageToken())
        {
            await Reject(session, TooFast(), ChatError.Rate);
            return;
        }
        var refusal = await room.EditAsync(session, messageId, text);
        if (refusal != RoomCommandRefusal.None) await Reject(session, Explain(refusal, "edit"), ChatError.Refused);
    }

    private async Task DeleteAsync(ChatSession session, LiveRoom room, long? id)
    {
        if (id is not { } messageId)
        {
            await Reject(session, Say("A deletion needs the id of the message."));
            return;
        }
        if (!session.TryTakeMessageToken())
        {
            await Reject(session, TooFast(), ChatError.Rate);
            return;
        }
        var refusal = await room.DeleteAsync(session, messageId);
        if (refusal != RoomCommandRefusal.None) await Reject(session, Explain(refusal, "delete"), ChatError.Refused);
    }

    /// <summary>Signals closer together than <see cref="ChatOptions.TypingInterval"/> are dropped silently: pages send them on keystrokes.</summary>
    private Task TypingAsync(ChatSession session, LiveRoom room) => session.TryTyping() ? room.TypingAsync(session) : Task.CompletedTask;

    /// <summary>A page has shown the room up to an event; never past what the room has delivered here.</summary>
    private Task Read(ChatSession session, LiveRoom room, long? seq)
    {
        if (seq is not ({ } shown and >= 0)) return Reject(session, Say("A read report needs seq, a non-negative whole number."));
        readMarkers.Report(session.Grant.UserId, session.RoomId, Math.Min(shown, room.DeliveredSeq));
        return Task.CompletedTask;
    }

    /// <summary>The text after cleaning, or why it is refused: the same rules for new messages and edits.</summary>
    private (string Text, Words? Problem) CheckText(string? rawText)
    {
        var cleaned = UserText.Clean(rawText, UserTextShape.Lines);
        Words? problem = cleaned.Problem switch
        {
            UserTextProblem.None => null,
            UserTextProblem.Blank => Say("Write something first."),
            UserTextProblem.ControlCharacter when cleaned.Offender is '\n' or '\r' or '\t' or 0x85 or 0x2028 or 0x2029 =>
                Say("This must be one line: line breaks and tabs are not allowed."),
            UserTextProblem.ControlCharacter => Say("Control characters are not allowed (U+{0} found).", $"{cleaned.Offender:X4}"),
            _ => Say("The text holds half a character (U+{0}).", $"{cleaned.Offender:X4}"),
        };
        if (problem is not null) return ("", problem);
        if (cleaned.Text.Length > _options.MaxMessageChars)
        {
            return ("", Say("Messages can be at most {0} characters ({1} sent).", _options.MaxMessageChars, cleaned.Text.Length));
        }
        return (cleaned.Text, null);
    }

    private Words TooFast() => Say("Slow down: at most {0} messages a second.", _options.RateLimit.MessagesPerSecond);

    // One sentence per verb: a translated verb put into a translated sentence would not read right in ja or zh.
    private static Words Explain(RoomCommandRefusal refusal, string verb) => refusal switch
    {
        RoomCommandRefusal.NotYours when verb == "edit" => Say("You can only edit your own messages."),
        RoomCommandRefusal.NotYours => Say("You can only delete your own messages (or any, in a room you own)."),
        _ when verb == "edit" => Say("There is no such message to edit here (it may have been deleted)."),
        _ => Say("There is no such message to delete here (it may have been deleted)."),
    };

    /// <summary>A refusal's sentence: a <see cref="ChatText"/> key (the English text) and what fills its placeholders.</summary>
    private sealed record Words(string Key, object[] Arguments)
    {
        /// <summary>In English, for the log.</summary>
        public override string ToString() => string.Format(System.Globalization.CultureInfo.InvariantCulture, Key, Arguments);
    }

    private static Words Say(string key, params object[] arguments) => new(key, arguments);

    private static bool IsValidClientId(string clientId) =>
        clientId.Length is > 0 and <= ChatMessage.ClientIdMaxLength && clientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>Every rejection costs a strike; a client that keeps getting rejected is flooding and is closed with 1008.</summary>
    /// <param name="reason">One of <see cref="ChatError"/>'s reasons, for the page.</param>
    /// <param name="clientId">The refused message's client id, when it was a message with one.</param>
    private async Task Reject(ChatSession session, Words error, string reason = ChatError.Invalid, string? clientId = null)
    {
        if (session.TryTakeStrike())
        {
            logger.LogInformation("Rejected a frame from {Session}: {Reason}", session, error);
            session.Connection.TrySend(await frames.ErrorAsync(session.Culture, reason, clientId, error.Key, error.Arguments));
        }
        else
        {
            logger.LogWarning("Closing socket of {Session}: too many rejected messages", session);
            session.Close(WebSocketCloseStatus.PolicyViolation, "too many rejected messages");
        }
    }

    /// <summary>A refresh token passes the same rules as an upgrade, and must be for the same user and room.</summary>
    private async Task RefreshAsync(ChatSession session, string? token, CancellationToken cancellationToken)
    {
        var current = session.Grant;
        if (string.IsNullOrEmpty(token))
        {
            RefuseRefresh(session, ChatCloseCodes.Unauthorized, "refresh without a token");
            return;
        }
        var admission = await authorizer.AuthorizeAsync(token, current.Room, cancellationToken);
        if (admission.Grant is not { } grant)
        {
            var code = admission.Status == StatusCodes.Status403Forbidden ? ChatCloseCodes.Forbidden : ChatCloseCodes.Unauthorized;
            RefuseRefresh(session, code, admission.Reason);
            return;
        }
        if (grant.UserId != current.UserId)
        {
            RefuseRefresh(session, ChatCloseCodes.Unauthorized, "refresh token is for another user");
            return;
        }
        session.ExtendAuthorization(grant);
    }

    private void RefuseRefresh(ChatSession session, WebSocketCloseStatus code, string reason)
    {
        logger.LogWarning("Refresh refused for {Session}: {Reason}", session, reason);
        session.Close(code, "refresh refused: " + reason);
    }
}
