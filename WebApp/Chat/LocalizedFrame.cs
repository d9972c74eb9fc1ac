using System.Globalization;
using WebApp.Localization;

namespace WebApp.Chat;

/// <summary>
/// One frame for a whole room, as each language present there reads it: rendered at most once per culture
/// (<see cref="SiteCultures.Names"/>), and only for the cultures asked for, never per socket. Each socket is sent the
/// bytes of its own culture (<see cref="ChatSession.CultureIndex"/>); a room of English readers renders once, as a
/// room without localization did. A frame without words (typing, a rename, a resync) is <see cref="Neutral"/>: the
/// same bytes for every culture.
/// </summary>
public sealed class LocalizedFrame
{
    /// <summary>The culture index (into <see cref="SiteCultures.Names"/>) of English, the site's default.</summary>
    public const int English = 0;

    private readonly Func<CultureInfo, Task<byte[]>>? _render;
    private readonly Task<byte[]>?[] _byCulture;

    private LocalizedFrame(Func<CultureInfo, Task<byte[]>>? render, Task<byte[]>?[] byCulture)
    {
        _render = render;
        _byCulture = byCulture;
    }

    /// <summary>A frame rendered by <paramref name="render"/> in each culture it is asked for, once.</summary>
    public static LocalizedFrame Of(Func<CultureInfo, Task<byte[]>> render) => new(render, new Task<byte[]>?[SiteCultures.Names.Count]);

    /// <summary>A frame with no words in it: the same bytes in every culture, rendered once already.</summary>
    public static LocalizedFrame Neutral(byte[] bytes)
    {
        var done = Task.FromResult(bytes);
        return new(null, [.. Enumerable.Repeat(done, SiteCultures.Names.Count)]);
    }

    /// <summary>
    /// A frame another instance rendered in English (the form the event bus carries): its English bytes are these,
    /// the other cultures are rendered here by <paramref name="render"/> when a socket here reads them.
    /// </summary>
    public static LocalizedFrame FromEnglish(byte[] english, Func<CultureInfo, Task<byte[]>> render)
    {
        var frame = Of(render);
        frame._byCulture[English] = Task.FromResult(english);
        return frame;
    }

    /// <summary>The culture index of <paramref name="culture"/> (or of the supported culture it falls back to; English when none).</summary>
    public static int IndexOf(CultureInfo culture)
    {
        var name = SiteCultures.Find(culture.Name);
        for (var i = 0; i < SiteCultures.Names.Count; i++)
        {
            if (SiteCultures.Names[i] == name) return i;
        }
        return English;
    }

    /// <summary>
    /// Renders the frame in every culture of <paramref name="cultures"/> (a bit per culture index) not rendered yet,
    /// concurrently; completes when all are done. A render that fails is left failed: <see cref="For"/> falls back.
    /// </summary>
    public async Task PrepareAsync(int cultures)
    {
        var renders = new List<Task<byte[]>>(SiteCultures.Names.Count);
        for (var i = 0; i < _byCulture.Length; i++)
        {
            if ((cultures & (1 << i)) != 0) renders.Add(Start(i));
        }
        try
        {
            await Task.WhenAll(renders);
        }
        catch
        {
            // For() falls back to a culture that did render; the caller logs nothing more useful than the render did.
        }
    }

    /// <summary>
    /// The bytes for a socket reading <paramref name="culture"/> (an index into <see cref="SiteCultures.Names"/>).
    /// Prepared by <see cref="PrepareAsync"/> for every culture present when the frame was made; a socket of a culture
    /// that joined in between waits for its render here (once for the frame, whoever asks). Null when no rendering
    /// could be made (the room moves past it; a reload shows the stored state).
    /// </summary>
    public byte[]? For(int culture)
    {
        var render = Start(culture);
        if (!render.IsCompleted) ((IAsyncResult)render).AsyncWaitHandle.WaitOne();
        if (render.IsCompletedSuccessfully) return render.Result;
        // A culture that failed to render gets the English words rather than nothing.
        var english = _byCulture[English];
        return english is { IsCompletedSuccessfully: true } ? english.Result : null;
    }

    private Task<byte[]> Start(int culture)
    {
        if (_byCulture[culture] is { } started) return started;
        var render = _render!(CultureInfo.GetCultureInfo(SiteCultures.Names[culture]));
        return Interlocked.CompareExchange(ref _byCulture[culture], render, null) ?? render;
    }
}
