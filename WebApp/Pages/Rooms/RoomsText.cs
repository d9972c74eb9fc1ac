namespace WebApp.Pages.Rooms;

/// <summary>
/// The room pages' texts (the room, its partials, search, and the strings chat.js shows, which the room page hands it
/// in its <c>#chat-text</c> data block): <c>RoomsText.resx</c> (English: each key is its own text),
/// <c>RoomsText.ja.resx</c> and <c>RoomsText.zh-Hans.resx</c>. Room names, display names and messages never go
/// through it: they are shown exactly as typed.
/// </summary>
public sealed class RoomsText;
