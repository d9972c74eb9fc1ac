using System.Buffers.Text;

namespace WebApp.Bench;

/// <summary>
/// The text the benchmark sends, "bench {sender} {n} {timestamp}", found in a delivered fragment. Parsed from the
/// received bytes, because the load generator reads every delivery and must stay cheaper than the server.
/// </summary>
public readonly record struct BenchMessage(int Sender, int N, long SentAt)
{
    // The paragraph's other attributes (dir="auto" since messages isolate their direction) sit between the class and
    // the text, so the class is found first and the text after the tag's end.
    private static ReadOnlySpan<byte> TextParagraph => "class=\"message-text\""u8;
    private static ReadOnlySpan<byte> Prefix => "bench "u8;

    public static string Text(int sender, int n, long sentAt) => $"bench {sender} {n} {sentAt}";

    public static bool TryParse(ReadOnlySpan<byte> frame, out BenchMessage message)
    {
        message = default;
        var at = frame.IndexOf(TextParagraph);
        if (at < 0) return false;
        var rest = frame[(at + TextParagraph.Length)..];
        var tagEnd = rest.IndexOf((byte)'>');
        if (tagEnd < 0 || !rest[(tagEnd + 1)..].StartsWith(Prefix)) return false;
        rest = rest[(tagEnd + 1 + Prefix.Length)..];
        if (!Utf8Parser.TryParse(rest, out int sender, out var used) || used >= rest.Length || rest[used] != ' ') return false;
        rest = rest[(used + 1)..];
        if (!Utf8Parser.TryParse(rest, out int n, out used) || used >= rest.Length || rest[used] != ' ') return false;
        rest = rest[(used + 1)..];
        if (!Utf8Parser.TryParse(rest, out long sentAt, out used) || !rest[used..].StartsWith("</p>"u8)) return false;
        message = new BenchMessage(sender, n, sentAt);
        return true;
    }
}
