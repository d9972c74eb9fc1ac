using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace WebApp.Bench;

/// <summary>
/// The calibration peer: bare Kestrel WebSockets broadcasting to a room, with no authentication, no storage and no
/// rendering, as cheap as a server can be while still a plain ASP.NET Core app. Each text message received from a
/// member becomes one frame sent to every member of the room, with one <c>await SendAsync</c> per socket (one send in
/// flight per socket, as WebSocket requires). The frame carries the sender's text in the paragraph the load generator
/// parses (<see cref="BenchMessage"/>) and is padded to the size of the site's frame for the same text, so the clients,
/// their parsing and the bytes on the wire are the same for both servers.
/// </summary>
/// <remarks>
/// Run by the tool as its own process: <c>WebApp.Bench bare-server &lt;port&gt; &lt;frame bytes besides the text&gt;</c>.
/// </remarks>
public static class BareServer
{
    public const string Mode = "bare-server";

    private static ReadOnlySpan<byte> TextField => "\"text\":\""u8;
    private static ReadOnlySpan<byte> Open => "<p class=\"message-text\">"u8;
    private static ReadOnlySpan<byte> Close => "</p>"u8;
    private static ReadOnlySpan<byte> PadOpen => "<i data-pad=\""u8;
    private static ReadOnlySpan<byte> PadClose => "\"></i>"u8;

    public static async Task<int> RunAsync(string[] args)
    {
        var (port, overhead) = (int.Parse(args[1]), int.Parse(args[2]));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.UseWebSockets();
        var rooms = new ConcurrentDictionary<string, BareRoom>();
        app.MapGet("/healthz", () => "Healthy");
        app.Map("/ws/rooms/{slug}", async (HttpContext context, string slug) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            // Answers the site's subprotocol, as the clients ask for it; the bearer token beside it is ignored.
            var protocol = context.WebSockets.WebSocketRequestedProtocols.Contains("chat.v1") ? "chat.v1" : null;
            using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
            var room = rooms.GetOrAdd(slug, _ => new BareRoom(overhead));
            await room.ServeAsync(socket, context.RequestAborted);
        });
        await app.RunAsync();
        return 0;
    }

    /// <summary>The frame for <paramref name="text"/>: its paragraph, after padding that makes it <paramref name="overhead"/> bytes longer than the text.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> text, int overhead)
    {
        var fixedBytes = Open.Length + Close.Length;
        var pad = overhead - fixedBytes - PadOpen.Length - PadClose.Length;
        var frame = new byte[text.Length + (pad >= 0 ? overhead : fixedBytes)];
        var at = 0;
        if (pad >= 0)
        {
            PadOpen.CopyTo(frame);
            at = PadOpen.Length;
            frame.AsSpan(at, pad).Fill((byte)'x');
            at += pad;
            PadClose.CopyTo(frame.AsSpan(at));
            at += PadClose.Length;
        }
        Open.CopyTo(frame.AsSpan(at));
        at += Open.Length;
        text.CopyTo(frame.AsSpan(at));
        Close.CopyTo(frame.AsSpan(at + text.Length));
        return frame;
    }

    /// <summary>The text of <c>{"text":"…"}</c> (the bench's texts have no escapes).</summary>
    public static ReadOnlySpan<byte> TextOf(ReadOnlySpan<byte> message)
    {
        var at = message.IndexOf(TextField);
        if (at < 0) return [];
        var rest = message[(at + TextField.Length)..];
        var end = rest.IndexOf((byte)'"');
        return end < 0 ? [] : rest[..end];
    }

    private sealed class BareRoom(int overhead)
    {
        private readonly Lock _lock = new();
        private Member[] _members = [];

        public async Task ServeAsync(WebSocket socket, CancellationToken aborted)
        {
            var member = new Member(socket);
            lock (_lock) _members = [.. _members, member];
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            var message = new ArrayBufferWriter<byte>();
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    var received = await socket.ReceiveAsync(buffer.AsMemory(), aborted);
                    if (received.MessageType == WebSocketMessageType.Close) break;
                    message.Write(buffer.AsSpan(0, received.Count));
                    if (!received.EndOfMessage) continue;
                    var frame = Frame(TextOf(message.WrittenSpan), overhead);
                    message.ResetWrittenCount();
                    await BroadcastAsync(frame);
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The client went away.
            }
            finally
            {
                lock (_lock) _members = [.. _members.Where(m => m != member)];
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private async Task BroadcastAsync(byte[] frame)
        {
            foreach (var member in _members)
            {
                await member.Sending.WaitAsync();
                try
                {
                    await member.Socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
                }
                catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
                {
                    // Gone; its own receive loop takes it out of the room.
                }
                finally
                {
                    member.Sending.Release();
                }
            }
        }
    }

    private sealed class Member(WebSocket socket)
    {
        public WebSocket Socket { get; } = socket;

        /// <summary>One send in flight per socket: several senders broadcast at once.</summary>
        public SemaphoreSlim Sending { get; } = new(1, 1);
    }
}

/// <summary>The calibration peer run as its own process by the tool (on the server's CPUs when pinned).</summary>
public sealed class BareServerProcess : IBenchServer, IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private BareServerProcess(int overhead, string? cores)
    {
        var start = CorePinning.Command(cores, "dotnet", [Path.Combine(AppContext.BaseDirectory, "WebApp.Bench.dll"), BareServer.Mode,
            Port.ToString(), overhead.ToString()]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        // The same garbage collector as the site (the Web SDK's default is the server GC; this tool's own is not).
        start.Environment["DOTNET_gcServer"] = "1";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, line) => { lock (_output) _output.AppendLine(line.Data); };
        _process.ErrorDataReceived += (_, line) => { lock (_output) _output.AppendLine(line.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; } = ServerProcess.FreeLoopbackPort();
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");
    public Process Process => _process;

    public string Name => "bare";
    public bool MintsTokens => false;
    public Uri AddressFor(int index) => BaseAddress;
    public Task<string> CreateRoomAsync(string name) => Task.FromResult(Uri.EscapeDataString(name.Replace(' ', '-')));
    public Task<string> MintTokenAsync(int index, string slug) => Task.FromResult("calibration");
    public CpuMeter ServerCpu() => new(_process);

    /// <summary>Starts the peer for frames <paramref name="overhead"/> bytes longer than their text, and waits until it answers.</summary>
    /// <exception cref="InvalidOperationException">It exited or did not answer within 30 s (its output is in the message).</exception>
    public static async Task<BareServerProcess> StartAsync(int overhead, string? cores)
    {
        var server = new BareServerProcess(overhead, cores);
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK) return server;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            if (server._process.HasExited || DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                lock (server._output) throw new InvalidOperationException($"the bare server did not start:\n{server._output}");
            }
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
