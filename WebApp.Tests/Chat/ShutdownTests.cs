using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stopping_closes_sockets_with_1001_and_keeps_what_was_accepted()
    {
        var stopping = new ChatServer();
        await stopping.InitializeAsync();
        try
        {
            using var alice = stopping.NewVisitor();
            var slug = await alice.SignUpWithRoomAsync("Going away");
            using var socket = await alice.ConnectAsync(slug);
            await socket.SendMessageAsync("accepted before the stop");
            await socket.ReceiveTextAsync();
            var watch = new CloseWatch(socket);

            var start = Stopwatch.GetTimestamp();
            stopping.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

            var (status, reason, _) = await watch.ClosedAsync(start);
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
            Assert.Equal("server shutting down", reason);
            Assert.Equal(1, await stopping.QueryAsync(db => db.Messages.CountAsync(m => m.Text == "accepted before the stop")));
        }
        finally
        {
            await ((IAsyncLifetime)stopping).DisposeAsync();
        }
    }
}
