using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Chat;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

/// <summary>
/// The site with small outbound limits, so a test fills them with a few hundred messages: a socket counts as behind
/// past 2 KiB queued, one alone over 1 MiB is closed, one whose send has not moved for 3 s while others move is
/// closed, and a socket has at most 4 messages on their way to the database.
/// </summary>
public sealed class BackpressureChatServer : ChatServer
{
    public const long OutboundQueueBytes = 1024 * 1024;
    public const int MaxPostsInFlight = 4;

    protected override Dictionary<string, string> Settings => new(base.Settings)
    {
        ["Chat:OutboundQueueBytes"] = OutboundQueueBytes.ToString(),
        ["Chat:BackpressureBytes"] = "2048",
        ["Chat:MaxPostsInFlight"] = MaxPostsInFlight.ToString(),
        // Long enough that a reader pacing itself is never mistaken for a stuck one on a loaded CI machine.
        ["Chat:CloseTimeout"] = "00:00:03",
        // Readers that stop reading for a while also stop answering pings; keep-alive is not what is tested here.
        ["Chat:KeepAliveInterval"] = "00:01:00",
        ["Chat:KeepAliveTimeout"] = "00:01:00",
    };

    /// <summary>
    /// Small kernel send buffers on the server's sockets (accepted sockets take the listener's), as on a busy host:
    /// what a client has not read waits in the server's own queues, where the room can see it, rather than in
    /// megabytes of loopback TCP buffers. Kestrel's output pipe is small for the same reason: with its default 64 KiB
    /// a send in flight completes only after a slow reader has read 32 KiB, and a reader pacing itself frame by frame
    /// would look stuck for seconds on a loaded machine.
    /// </summary>
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.Configure<SocketTransportOptions>(transport =>
                transport.CreateBoundListenSocket = endpoint =>
                {
                    var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                    socket.SendBufferSize = 16 * 1024;
                    socket.ReceiveBufferSize = 16 * 1024;
                    return socket;
                });
            services.Configure<KestrelServerOptions>(kestrel =>
            {
                kestrel.Limits.MaxResponseBufferSize = 4 * 1024;
                // What a socket sent and the site has not read waits in the client's buffers, where it pushes back.
                kestrel.Limits.MaxRequestBufferSize = 64 * 1024;
            });
        });
    }
}

/// <summary>
/// Overload: when a room's sockets fall behind as a whole (the server, or the readers as a whole, cannot keep up),
/// the room slows its senders down instead of closing everyone, and nothing is lost or doubled.
/// </summary>
public sealed class BackpressureTests(BackpressureChatServer server) : IClassFixture<BackpressureChatServer>
{
    private const int Senders = 6;
    private const int Readers = 3;

    [Fact]
    public async Task A_room_whose_sockets_all_fall_behind_slows_its_senders_and_closes_nobody()
    {
        using var alice = server.NewVisitor();
        using var bob = server.NewVisitor();
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Overload");
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < Senders; i++) sockets.Add(await ConnectWithSmallBuffersAsync(alice, slug));
        for (var i = 0; i < Readers; i++) sockets.Add(await ConnectWithSmallBuffersAsync(bob, slug));
        var rooms = server.Services.GetRequiredService<LiveRooms>();
        await Until(() => rooms.Sessions.Count(s => s.Grant.Room == slug) == Senders + Readers, "every socket joined");
        var room = rooms.Room(rooms.Sessions.First(s => s.Grant.Room == slug).RoomId);

        // Nobody reads: the senders talk flat out until the room stops taking their messages.
        var text = new string('o', 1990);
        var sent = new int[Senders];
        var stop = new CancellationTokenSource();
        var sending = Enumerable.Range(0, Senders).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && sent[i] < 5000)
            {
                await sockets[i].SendMessageAsync($"{i}:{sent[i]} {text}");
                sent[i]++;
            }
        })).ToList();
        await Until(() => room.PausedSenders > 0 || sending.All(t => t.IsCompleted), "the room paused a sender");
        stop.Cancel();

        Assert.True(room.PausedSenders > 0, "5,000 messages each went through a room nobody read: the senders were never slowed down");
        var sessions = rooms.Sessions.Where(s => s.Grant.Room == slug).ToList();
        Assert.Equal(Senders + Readers, sessions.Count);
        Assert.All(sessions, s => Assert.False(s.Connection.IsClosing));
        // Queues stop growing once the senders wait: only what was already on its way can still arrive.
        Assert.All(sessions, s => Assert.InRange(s.Connection.QueuedBytes, 0, BackpressureChatServer.OutboundQueueBytes));

        // Everyone reads again: every message arrives everywhere, in order, once; the senders go on; nobody is closed.
        var reading = sockets.Select(s => ReadUntilEndAsync(s)).ToList();
        await Task.WhenAll(sending);
        // END goes last once every message is stored (the senders' sockets are read side by side).
        await Until(async () => await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == slug)) == sent.Sum(), "every message was stored");
        await sockets[0].SendMessageAsync("END");
        var received = await Task.WhenAll(reading);

        var total = sent.Sum() + 1;
        Assert.All(received, seqs => Assert.Equal(Enumerable.Range(1, total).Select(n => (long)n), seqs));
        Assert.All(sockets, s => Assert.Equal(WebSocketState.Open, s.State));
        Assert.Equal(total, await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == slug)));
        Assert.Equal(0, room.PausedSenders);
        foreach (var socket in sockets) socket.Dispose();
    }

    [Fact]
    public async Task A_socket_that_stops_reading_in_a_room_that_is_behind_is_closed_and_the_slow_readers_are_not()
    {
        using var alice = server.NewVisitor();
        using var bob = server.NewVisitor();
        var slug = await alice.SignUpBothWithRoomAsync(bob, "Slow room");
        var senders = new List<ClientWebSocket>();
        var slow = new List<ClientWebSocket>();
        for (var i = 0; i < 3; i++) senders.Add(await ConnectWithSmallBuffersAsync(alice, slug));
        for (var i = 0; i < 5; i++) slow.Add(await ConnectWithSmallBuffersAsync(bob, slug));
        using var dead = await ConnectWithSmallBuffersAsync(bob, slug);
        var rooms = server.Services.GetRequiredService<LiveRooms>();
        await Until(() => rooms.Sessions.Count(s => s.Grant.Room == slug) == 9, "every socket joined");
        var room = rooms.Room(rooms.Sessions.First(s => s.Grant.Room == slug).RoomId);

        // 450 messages: far less than Chat:OutboundQueueBytes (1 MiB here), so only being stuck can get the dead
        // socket closed. The slow readers read nothing until the room is held up (then most of it is stuck, and nobody
        // is closed for that), then one frame every 20 ms: behind, most of the room, but moving; at that pace the
        // room takes 9 s, well past the dead socket's 3 s.
        const int PerSender = 150;
        var text = new string('s', 1990);
        var roomHeldUp = new TaskCompletionSource();
        var reading = senders.Select(s => ReadUntilEndAsync(s))
            .Concat(slow.Select(s => ReadUntilEndAsync(s, TimeSpan.FromMilliseconds(20), roomHeldUp.Task))).ToList();
        var sending = Task.WhenAll(senders.Select((socket, i) => Task.Run(async () =>
        {
            for (var n = 0; n < PerSender; n++) await socket.SendMessageAsync($"{i}:{n} {text}");
        })));
        await Until(() => room.PausedSenders > 0, "the room held its senders up");
        roomHeldUp.SetResult();
        await sending;
        await Until(async () => await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == slug)) == 3 * PerSender, "every message was stored");
        await senders[0].SendMessageAsync("END");
        var received = await Task.WhenAll(reading);

        // The dead socket left the room; it was sent 1013 after what was queued, and, as it read nothing within
        // Chat:CloseTimeout, then dropped (its client sees the close frame or a reset, whichever it reads first).
        Assert.Equal(8, rooms.Sessions.Count(s => s.Grant.Room == slug));
        Assert.Contains(server.Logs.Lines, line => line.Contains("no send completed for 3 s while the room kept moving"));
        try
        {
            Assert.Equal(ChatCloseCodes.TooSlow, await dead.ReceiveCloseAsync());
        }
        catch (WebSocketException)
        {
            // Reset after the close timeout.
        }
        Assert.All(received, seqs => Assert.Equal(Enumerable.Range(1, 3 * PerSender + 1).Select(n => (long)n), seqs));
        Assert.All(senders.Concat(slow), s => Assert.Equal(WebSocketState.Open, s.State));
        foreach (var socket in senders.Concat(slow)) socket.Dispose();
    }

    [Fact]
    public async Task A_socket_has_at_most_MaxPostsInFlight_messages_on_their_way_to_the_database_and_nothing_is_lost_or_reordered()
    {
        using var alice = server.NewVisitor();
        using var bob = server.NewVisitor();
        var slug = await alice.SignUpBothWithRoomAsync(bob, "In flight");
        using var sender = await ConnectWithSmallBuffersAsync(alice, slug);
        using var reader = await ConnectWithSmallBuffersAsync(bob, slug);
        var writer = server.Services.GetRequiredService<MessageWriter>();

        // The database is busy (another connection holds its write lock), so nothing the socket sends can be stored.
        var locker = await WriteLockAsync();
        await using (locker)
        {

            // 600 messages of 2 KB: far more than the TCP buffers between the two hold, so the sender can only get
            // through all of them if the server keeps reading while none is stored.
            const int Count = 600;
            var text = new string('f', 1990);
            var sending = Task.Run(async () =>
            {
                for (var n = 0; n < Count; n++) await sender.SendMessageAsync($"{n} {text}");
            });
            await Until(() => writer.PendingCommands >= BackpressureChatServer.MaxPostsInFlight || sending.IsCompleted, "the socket's messages reached the writer");
            // A bound is a promise about what does not happen: give the server time to break it.
            await Task.Delay(500);
            Assert.Equal(BackpressureChatServer.MaxPostsInFlight, writer.PendingCommands);
            Assert.False(sending.IsCompleted, "the server read every message while none could be stored");

            await locker.ReleaseAsync();
            var reading = new[] { ReadUntilEndAsync(sender), ReadUntilEndAsync(reader) };
            await sending;
            await Until(async () => await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == slug)) == Count, "every message was stored");
            await sender.SendMessageAsync("END");
            Assert.All(await Task.WhenAll(reading), seqs => Assert.Equal(Enumerable.Range(1, Count + 1).Select(n => (long)n), seqs));
        }
    }

    [Fact]
    public async Task While_a_socket_in_the_room_is_behind_a_sender_has_one_message_on_its_way_at_a_time()
    {
        using var alice = server.NewVisitor();
        using var bob = server.NewVisitor();
        var slug = await alice.SignUpBothWithRoomAsync(bob, "One at a time");
        var bobId = await bob.UserIdAsync(slug);
        using var sender = await ConnectWithSmallBuffersAsync(alice, slug);
        using var slow = await ConnectWithSmallBuffersAsync(bob, slug);
        var rooms = server.Services.GetRequiredService<LiveRooms>();
        await Until(() => rooms.Sessions.Count(s => s.Grant.Room == slug) == 2, "both sockets joined");
        var slowSession = rooms.Sessions.Single(s => s.Grant.Room == slug && s.Grant.UserId == bobId);
        var writer = server.Services.GetRequiredService<MessageWriter>();
        var senderReading = ReadUntilEndAsync(sender);

        // Bob reads nothing until his socket is behind (alone: the room is not held up, and he is far from closed).
        var text = new string('b', 1990);
        var sent = 0;
        while (slowSession.Connection.QueuedBytes <= 2048)
        {
            Assert.True(sent < 2000, "2,000 messages never put Bob's socket behind");
            await sender.SendMessageAsync($"{sent++} {text}");
            await Until(async () => await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == slug)) == sent, "the message was stored");
        }

        var locker = await WriteLockAsync();
        await using (locker)
        {
            var more = Task.Run(async () =>
            {
                for (var n = 0; n < 10; n++) await sender.SendMessageAsync($"more {n} {text}");
            });
            await Until(() => writer.PendingCommands >= 1, "the next message reached the writer");
            // A bound is a promise about what does not happen: give the server time to break it.
            await Task.Delay(500);
            Assert.Equal(1, writer.PendingCommands);

            await locker.ReleaseAsync();
            var slowReading = ReadUntilEndAsync(slow);
            await more;
            await Until(async () => await server.QueryAsync(db => db.Messages.CountAsync(m => m.Room!.Slug == slug)) == sent + 10, "every message was stored");
            await sender.SendMessageAsync("END");
            Assert.All(await Task.WhenAll(senderReading, slowReading), seqs => Assert.Equal(Enumerable.Range(1, sent + 11).Select(n => (long)n), seqs));
        }
    }

    /// <summary>
    /// Another connection holding the database's write lock (<c>BEGIN IMMEDIATE</c>): nothing can be stored until
    /// <see cref="DatabaseLock.ReleaseAsync"/> (or disposal) rolls it back.
    /// </summary>
    private async Task<DatabaseLock> WriteLockAsync()
    {
        var connection = new SqliteConnection($"Data Source={server.DatabasePath}");
        await connection.OpenAsync();
        await using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        await begin.ExecuteNonQueryAsync();
        return new DatabaseLock(connection);
    }

    private sealed class DatabaseLock(SqliteConnection connection) : IAsyncDisposable
    {
        public async Task ReleaseAsync()
        {
            await using var rollback = connection.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }

    /// <summary>
    /// Small receive buffers, as on a phone: what a client has not read waits in the server's queue rather than in
    /// megabytes of loopback TCP buffers, so every socket falls behind at much the same pace.
    /// </summary>
    private static readonly HttpMessageInvoker SmallBuffers = new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 8 * 1024, SendBufferSize = 8 * 1024 };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    private static async Task<ClientWebSocket> ConnectWithSmallBuffersAsync(SiteClient person, string slug)
    {
        var socket = person.NewSocket();
        socket.Options.AddSubProtocol("chat.v1");
        socket.Options.AddSubProtocol("bearer." + (await person.SocketTokenAsync(slug)).Token);
        await socket.ConnectAsync(person.SocketUri(slug), SmallBuffers, SiteClient.TimeoutToken());
        return socket;
    }

    /// <summary>The event numbers of every message frame up to the one that says END; any error or close fails.</summary>
    /// <param name="pace">A pause before each read, for a client slower than the room.</param>
    /// <param name="start">What to wait for before reading at all.</param>
    private static async Task<List<long>> ReadUntilEndAsync(ClientWebSocket socket, TimeSpan pace = default, Task? start = null)
    {
        if (start is not null) await start;
        var seqs = new List<long>();
        while (true)
        {
            if (pace > TimeSpan.Zero) await Task.Delay(pace);
            var (frame, close) = await socket.ReceiveAsync(timeoutSeconds: 60);
            Assert.True(frame is not null, $"the server closed a socket with {close} after {seqs.Count} messages");
            if (SocketExtensions.IsPresence(frame!)) continue;
            Assert.DoesNotContain("data-reason", frame);
            seqs.Add(SocketExtensions.SeqOf(frame!) ?? throw new Xunit.Sdk.XunitException($"not a message: {frame![..Math.Min(200, frame.Length)]}"));
            if (frame!.Contains("END", StringComparison.Ordinal)) return seqs;
        }
    }

    private static Task Until(Func<bool> condition, string what) => Until(() => Task.FromResult(condition()), what);

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }
}
