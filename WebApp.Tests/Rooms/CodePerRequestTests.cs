using System.Diagnostics.Tracing;
using System.Reflection.Emit;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Rooms;

/// <summary>
/// Issue 16 ("page", "connect", "fanout"): once warm, the requests people make all the time generate no code. An
/// expression or query compiled per call (<c>Expression.Compile</c>, an EF Core query built anew each time) costs its
/// compilation on every request, and the JIT work it adds competes with the runtime's promotion of the rest of the
/// request path to optimized code, which on a loaded core is already slow (the page profile showed the tiering
/// thread busy 35 s into a run). Counted, never timed: the runtime's own JIT events (MethodLoadVerbose with the
/// dynamic flag) while the same requests repeat.
/// </summary>
[Collection(ChatServerCollection.Name)]
public sealed class CodePerRequestTests(ChatServer server)
{
    private const int Warmup = 10;
    private const int Repeats = 40;

    [Fact]
    public async Task Repeated_page_views_token_mints_and_posts_compile_no_new_code()
    {
        using var person = server.NewVisitor();
        await person.RegisterAsync();
        var slug = await person.CreateRoomAsync("Code per request " + Guid.NewGuid().ToString("N")[..6]);
        using var socket = await person.ConnectAsync(slug);
        await socket.ReceiveAsync();
        for (var i = 0; i < 60; i++) await socket.PostAsync($"history {i}");

        var requests = new (string Name, Func<int, Task> Run)[]
        {
            ("room page", async _ => (await person.Http.GetAsync($"/rooms/{slug}")).EnsureSuccessStatusCode().Dispose()),
            ("older messages", async _ => (await person.Http.GetAsync($"/rooms/{slug}?before=20")).EnsureSuccessStatusCode().Dispose()),
            ("rooms list", async _ => (await person.Http.GetAsync("/")).EnsureSuccessStatusCode().Dispose()),
            ("socket token", async _ => await person.SocketTokenAsync(slug)),
            ("post over the socket", async i => await socket.PostAsync($"steady {i}")),
        };
        var problems = new List<string>();
        using var jit = new DynamicMethodCounter();
        foreach (var (name, run) in requests)
        {
            for (var i = 0; i < Warmup; i++) await run(i);
            await jit.MarkAsync();
            for (var i = 0; i < Repeats; i++) await run(Warmup + i);
            var compiled = await jit.MarkAsync();
            // Per request would be Repeats or more; a background job's odd query may add one or two.
            if (compiled.Count >= Repeats / 4)
            {
                problems.Add($"{name}: {compiled.Count} dynamic methods compiled in {Repeats} repeats: " +
                             string.Join(", ", compiled.GroupBy(method => method).Select(g => $"{g.Key} ×{g.Count()}").Take(5)));
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// Counts methods the JIT compiles for <c>DynamicMethod</c>s (expression trees compiled to delegates, emitted IL)
    /// anywhere in this process, from the runtime's MethodLoadVerbose events (event 143, JIT keyword 0x10; flag 0x1
    /// marks a dynamic method). The runtime hands those events to listeners late and in order, so a window is closed
    /// by compiling a marker method of our own and waiting for its event: everything before it has arrived by then.
    /// </summary>
    private sealed class DynamicMethodCounter : EventListener
    {
        private const int MethodLoadVerbose = 143;
        private readonly Lock _lock = new();
        private List<string> _window = [];
        private (string Name, TaskCompletionSource<List<string>> Seen)? _marker;

        /// <summary>Ends the current window: the dynamic methods compiled since the last mark (markers left out).</summary>
        public async Task<List<string>> MarkAsync()
        {
            var name = "window_marker_" + Guid.NewGuid().ToString("N");
            var seen = new TaskCompletionSource<List<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock) _marker = (name, seen);
            var method = new DynamicMethod(name, typeof(int), Type.EmptyTypes);
            var il = method.GetILGenerator();
            il.Emit(OpCodes.Ldc_I4_1);
            il.Emit(OpCodes.Ret);
            Assert.Equal(1, method.CreateDelegate<Func<int>>()());
            return await seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x10);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventId != MethodLoadVerbose || e.Payload is null || e.PayloadNames is null) return;
            var flags = Convert.ToUInt32(e.Payload[e.PayloadNames.IndexOf("MethodFlags")]);
            if ((flags & 0x1) == 0) return;
            var name = $"{e.Payload[e.PayloadNames.IndexOf("MethodName")]}";
            lock (_lock)
            {
                if (_marker is { } marker && name == marker.Name)
                {
                    marker.Seen.TrySetResult(_window);
                    _window = [];
                    _marker = null;
                }
                else if (!name.StartsWith("window_marker_", StringComparison.Ordinal))
                {
                    _window.Add($"{e.Payload[e.PayloadNames.IndexOf("MethodNamespace")]}.{name}");
                }
            }
        }
    }
}
