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
        services.AddSingleton<RoomConnectionRegistry>();
        services.AddSingleton<RoomDirectory>();
        services.AddSingleton<SocketAuthorizer>();
        services.AddSingleton<SocketRevocation>();
        services.AddSingleton<RazorPartialRenderer>();
        services.AddSingleton<ChatMetrics>();
        services.AddSingleton<MessageWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<MessageWriter>());
        services.AddSingleton<RoomMessagePublisher>();
        services.AddSingleton<ChatFrameHandler>();
        services.AddSingleton<ChatSocketEndpoint>();
        return services;
    }

    public static IEndpointRouteBuilder MapChat(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/ws/rooms/{slug}", (HttpContext context, string slug, ChatSocketEndpoint socket) => socket.HandleAsync(context, slug));
        return endpoints;
    }
}
