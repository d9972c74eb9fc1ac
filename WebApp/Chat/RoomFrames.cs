using System.Text;
using WebApp.Data;

namespace WebApp.Chat;

/// <summary>
/// What each frame a room sends looks like, every one rendered by the room page's own Razor partials (none built
/// from C# strings), so what arrives over the socket is exactly what the page renders. Each is rendered once and the
/// same bytes go to every socket: anything that differs per person is applied in the page from data attributes.
/// </summary>
public sealed class RoomFrames(RazorPartialRenderer renderer)
{
    /// <summary>ViewData key of <c>_Messages</c>: the number of the change being sent, which makes it an out-of-band swap.</summary>
    public const string EventSeqKey = "EventSeq";

    /// <summary>
    /// A stored event: a posting is the message's <c>&lt;article id="m-{id}" data-seq&gt;</c>, appended; an edit or
    /// deletion is the same article as it stands now with <c>data-event-seq</c> and <c>hx-swap-oob="true"</c>.
    /// </summary>
    public Task<byte[]> EventAsync(RoomEvent stored) => stored.Kind == RoomEventKind.Posted
        ? renderer.RenderFrameAsync(RazorPartialRenderer.MessagesPartial, new[] { stored.Message })
        : renderer.RenderFrameAsync(RazorPartialRenderer.MessagesPartial, new[] { stored.Message }, [new(EventSeqKey, stored.Seq)]);

    /// <summary>Who is online: <c>&lt;div id="presence" hx-swap-oob="true"&gt;</c>.</summary>
    public Task<byte[]> PresenceAsync(IReadOnlyList<string> names) => renderer.RenderFrameAsync(RazorPartialRenderer.PresencePartial, names);

    /// <summary>Someone is typing: <c>&lt;div class="typing-event" data-user-id data-name&gt;</c>, which the page shows in <c>#typing</c>.</summary>
    public Task<byte[]> TypingAsync(PresentPerson person) => renderer.RenderFrameAsync(RazorPartialRenderer.TypingPartial, person);

    /// <summary>
    /// Someone's display name changed: <c>&lt;div class="author-renamed" data-user-id data-name&gt;</c>, from which the
    /// page renames that author's messages on screen.
    /// </summary>
    public Task<byte[]> AuthorRenamedAsync(PresentPerson person) => renderer.RenderFrameAsync(RazorPartialRenderer.AuthorRenamedPartial, person);

    /// <summary>An error for one socket, for the composer's error line.</summary>
    public Task<byte[]> ErrorAsync(string message) => renderer.RenderFrameAsync(RazorPartialRenderer.ErrorPartial, message);

    /// <summary>Too much was missed to send (or the client is ahead of the room): <c>data-missed</c> events; reload.</summary>
    public Task<byte[]> ResyncAsync(long missed) => renderer.RenderFrameAsync(RazorPartialRenderer.ResyncPartial, missed);
}
