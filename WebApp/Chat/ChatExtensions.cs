using WebApp.Auth;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace WebApp.Chat;

public static class ChatExtensions
{
    public static IServiceCollection AddChat(this IServiceCollection services)
    {
        services.AddOptions<ChatOptions>()
            .BindConfiguration(ChatOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Upgrades (like any request) that never finish sending their headers are dropped.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ChatOptions>>((kestrel, chat) =>
            kestrel.Limits.RequestHeadersTimeout = chat.Value.HandshakeTimeout);
        services.AddSingleton<LiveRooms>();
        services.AddSingleton<RoomDirectory>();
        services.AddSingleton<SocketAuthorizer>();
        services.AddSingleton<IRevocationListener, SocketRevocation>();
        // One process by default; AddScaleOut replaces these with Redis-backed ones for several instances.
        services.AddSingleton<IRoomEventBus, InProcessRoomEventBus>();
        services.AddSingleton<IPresenceStore, InProcessPresenceStore>();
        services.AddHostedService<RoomSubscriptions>();
        services.AddSingleton<RazorPartialRenderer>();
        services.AddSingleton<RoomFrames>();
        services.AddSingleton<RoomEventLog>();
        services.AddSingleton<MentionFinder>();
        services.AddSingleton<ReadMarkers>();
        services.AddHostedService(sp => sp.GetRequiredService<ReadMarkers>());
        services.AddSingleton<ChatMetrics>();
        services.AddSingleton<MessageWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<MessageWriter>());
        services.AddSingleton<ChatFrameHandler>();
        services.AddSingleton<ChatSocketEndpoint>();
        return services;
    }

    public static IEndpointRouteBuilder MapChat(this IEndpointRouteBuilder endpoints)
    {
        // GET is the HTTP/1.1 upgrade (RFC 6455 §4.1); CONNECT with :protocol websocket is HTTP/2's (RFC 8441 §4),
        // which browsers use whenever the site speaks HTTP/2, i.e. over HTTPS with Kestrel's default protocols.
        endpoints.MapMethods("/ws/rooms/{slug}", [HttpMethods.Get, HttpMethods.Connect],
            (HttpContext context, string slug, ChatSocketEndpoint socket) => socket.HandleAsync(context, slug));
        return endpoints;
    }
}
