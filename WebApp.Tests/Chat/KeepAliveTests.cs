using Microsoft.Extensions.DependencyInjection;
using WebApp.Chat;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Chat;

[Collection(ChatServerCollection.Name)]
public sealed class KeepAliveTests(ChatServer server)
{
    [Fact]
    public async Task A_socket_that_stops_answering_pings_is_dropped()
    {
        using var silent = server.NewVisitor();
        var slug = await silent.SignUpWithRoomAsync("Silence");
        var userId = await silent.UserIdAsync(slug);
        var rooms = server.Services.GetRequiredService<LiveRooms>();

        // A ClientWebSocket answers pings only while something reads from it; this one never reads.
        using var socket = await silent.ConnectAsync(slug);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!rooms.Sessions.Any(c => c.Grant.UserId == userId))
        {
            Assert.True(DateTime.UtcNow < deadline, "the socket never joined its room");
            await Task.Delay(10);
        }

        while (rooms.Sessions.Any(c => c.Grant.UserId == userId))
        {
            Assert.True(DateTime.UtcNow < deadline, "the silent socket was still open after 15 s");
            await Task.Delay(200);
        }
    }
}
