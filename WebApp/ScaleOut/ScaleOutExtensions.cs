using StackExchange.Redis;
using WebApp.Auth;

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
        if (string.IsNullOrWhiteSpace(redis))
        {
            builder.Services.AddSingleton<IChatBackplane, InProcessBackplane>();
            return builder;
        }

        if (string.IsNullOrWhiteSpace(builder.Configuration[$"{JwtOptions.Section}:{nameof(JwtOptions.SigningKey)}"]))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Redis is set, so several instances share sockets, but Jwt:SigningKey is not: each instance " +
                "would sign socket tokens with its own random key and refuse the others'. Set Jwt:SigningKey (32+ bytes) on every instance.");
        }
        var options = ConfigurationOptions.Parse(redis);
        options.AbortOnConnectFail = false; // start (and serve this instance's sockets) even while Redis is down
        // The container disposes the multiplexer after every hosted service below has stopped.
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddSingleton<RedisBackplane>();
        builder.Services.AddSingleton<IChatBackplane>(sp => sp.GetRequiredService<RedisBackplane>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisBackplane>());
        builder.Services.AddHostedService<RedisHeartbeat>();
        return builder;
    }
}
