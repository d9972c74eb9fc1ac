using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;
using WebApp.Auth;
using WebApp.Chat;

namespace WebApp.ScaleOut;

public static class ScaleOutExtensions
{
    public const string RedisConnectionName = "Redis";

    /// <summary>
    /// With <c>ConnectionStrings:Redis</c> set, instances share messages, presence, revocations and used token ids
    /// through Redis; without it everything stays in this process.
    /// </summary>
    public static WebApplicationBuilder AddScaleOut(this WebApplicationBuilder builder)
    {
        var redis = builder.Configuration.GetConnectionString(RedisConnectionName);
        // Without Redis the chat's and accounts' in-process implementations stay.
        if (string.IsNullOrWhiteSpace(redis)) return builder;

        if (string.IsNullOrWhiteSpace(builder.Configuration[$"{JwtOptions.Section}:{nameof(JwtOptions.SigningKey)}"]))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Redis is set, so several instances share sockets, but Jwt:SigningKey is not: each instance " +
                "would sign socket tokens with its own random key and refuse the others'. Set Jwt:SigningKey (32+ bytes) on every instance.");
        }
        builder.Services.AddOptions<ScaleOutOptions>()
            .BindConfiguration(ScaleOutOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = ConfigurationOptions.Parse(redis);
        options.AbortOnConnectFail = false; // start (and serve this instance's sockets) even while Redis is down
        // Back within about a second of Redis returning (the default backs off exponentially): presence and the rooms'
        // catch-up wait for the reconnection.
        options.ReconnectRetryPolicy ??= new LinearRetry(1000);
        // The container disposes the multiplexer after every hosted service below has stopped.
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddSingleton<RedisSite>();
        // Each contract is owned by its consumer (Chat, Auth); these are their Redis implementations. Hosted services
        // stop in reverse order, after the server has drained its sockets; each stops on its own, in any order.
        builder.Services.AddSingleton<RedisRoomEventBus>();
        builder.Services.Replace(ServiceDescriptor.Singleton<IRoomEventBus>(sp => sp.GetRequiredService<RedisRoomEventBus>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisRoomEventBus>());
        builder.Services.AddSingleton<RedisPresenceStore>();
        builder.Services.Replace(ServiceDescriptor.Singleton<IPresenceStore>(sp => sp.GetRequiredService<RedisPresenceStore>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisPresenceStore>());
        builder.Services.AddHostedService<RedisHeartbeat>();
        builder.Services.AddSingleton<RedisRevocationBus>();
        builder.Services.Replace(ServiceDescriptor.Singleton<IRevocationBus>(sp => sp.GetRequiredService<RedisRevocationBus>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisRevocationBus>());
        builder.Services.Replace(ServiceDescriptor.Singleton<IUsedTokenStore, RedisUsedTokenStore>());
        return builder;
    }
}
