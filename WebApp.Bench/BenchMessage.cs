using System.Buffers.Text;
using System.Diagnostics;

namespace WebApp.Bench;

/// <summary>
/// The text the benchmark sends, "bench {sender} {n} {timestamp}", found in a delivered fragment. Parsed from the
/// received bytes, because the load generator reads every delivery and must stay cheaper than the server.
/// </summary>
/// <param name="SentAt">The sender's <see cref="Stopwatch"/> timestamp taken just before its SendAsync.</param>
/// <param name="TextBytes">The text's length in the frame, in UTF-8 bytes.</param>
public readonly record struct BenchMessage(int Sender, int N, long SentAt, int TextBytes)
{
    // The paragraph's other attributes (dir="auto" since messages isolate their direction) sit between the class and
    // the text, so the class is found first and the text after the tag's end.
    private static ReadOnlySpan<byte> TextParagraph => "class=\"message-text\""u8;
    private static ReadOnlySpan<byte> Prefix => "bench "u8;

    public static string Text(int sender, int n, long sentAt) => $"bench {sender} {n} {sentAt}";

    /// <summary>
    /// Writes the message as the client sends it, <c>{"text":"bench {sender} {n} {sentAt}"}</c>, into
    /// <paramref name="buffer"/> (64 bytes are enough) and returns its length: no allocation, so the timestamp can be
    /// taken immediately before the send.
    /// </summary>
    public static int Write(Span<byte> buffer, int sender, int n, long sentAt)
    {
        var at = 0;
        "{\"text\":\"bench "u8.CopyTo(buffer);
        at += "{\"text\":\"bench "u8.Length;
        Utf8Formatter.TryFormat(sender, buffer[at..], out var written);
        at += written;
        buffer[at++] = (byte)' ';
        Utf8Formatter.TryFormat(n, buffer[at..], out written);
        at += written;
        buffer[at++] = (byte)' ';
        Utf8Formatter.TryFormat(sentAt, buffer[at..], out written);
        at += written;
        "\"}"u8.CopyTo(buffer[at..]);
        return at + 2;
    }

    public static bool TryParse(ReadOnlySpan<byte> frame, out BenchMessage message)
    {
        message = default;
        var at = frame.IndexOf(TextParagraph);
        if (at < 0) return false;
        var rest = frame[(at + TextParagraph.Length)..];
        var tagEnd = rest.IndexOf((byte)'>');
        if (tagEnd < 0 || !rest[(tagEnd + 1)..].StartsWith(Prefix)) return false;
        rest = rest[(tagEnd + 1 + Prefix.Length)..];
        var textStart = frame.Length - rest.Length - Prefix.Length;
        if (!Utf8Parser.TryParse(rest, out int sender, out var used) || used >= rest.Length || rest[used] != ' ') return false;
        rest = rest[(used + 1)..];
        if (!Utf8Parser.TryParse(rest, out int n, out used) || used >= rest.Length || rest[used] != ' ') return false;
        rest = rest[(used + 1)..];
        if (!Utf8Parser.TryParse(rest, out long sentAt, out used) || !rest[used..].StartsWith("</p>"u8)) return false;
        message = new BenchMessage(sender, n, sentAt, frame.Length - rest.Length + used - textStart);
        return true;
    }
}
