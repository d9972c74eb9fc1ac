namespace WebApp.Chat;

/// <summary>
/// The chat's texts built in C# rather than in a partial (a refused frame's reason, for the composer's error line),
/// in <c>ChatText.resx</c> (English: each key is its own text), <c>ChatText.ja.resx</c> and <c>ChatText.zh-Hans.resx</c>.
/// Always rendered in the socket's own culture (<see cref="ChatSession.Culture"/>), never the room's.
/// </summary>
public sealed class ChatText;
