using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using WebApp.Chat;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Operations;

[Collection(ChatServerCollection.Name)]
public sealed class HealthAndMetricsTests(ChatServer server)
{
    [Fact]
    public async Task Healthz_and_readyz_answer_without_signing_in()
    {
        using var visitor = server.NewVisitor();
        Assert.Equal(HttpStatusCode.OK, (await visitor.Http.GetAsync("/healthz")).StatusCode);
        var ready = await visitor.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_endpoint_is_not_there_unless_enabled()
    {
        using var scraper = server.NewVisitor();
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.Http.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Sockets_upgrades_and_messages_are_counted_on_the_chat_meter()
    {
        var totals = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ChatMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument.Name, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument.Name, 1, tags));
        listener.Start();

        using var alice = server.NewVisitor();
        await alice.RegisterAsync(SiteClient.NewEmail("alice"));
        var slug = await alice.CreateRoomAsync("Counted");
        Assert.Equal(HttpStatusCode.Unauthorized, await alice.UpgradeStatusAsync(slug, token: null));
        using (var socket = await alice.ConnectAsync(slug))
        {
            await socket.SendMessageAsync("count me");
            await socket.ReceiveTextAsync();
            Assert.True(totals.GetValueOrDefault("chat.sockets.open") >= 1);
        }

        await Eventually(() => totals.GetValueOrDefault("chat.sockets.open") <= 0);
        Assert.True(totals.GetValueOrDefault("chat.upgrades result=accepted") >= 1);
        Assert.True(totals.GetValueOrDefault("chat.upgrades result=rejected status=401") >= 1);
        Assert.True(totals.GetValueOrDefault("chat.messages.persisted") >= 1);
        Assert.True(totals.GetValueOrDefault("chat.messages.broadcast") >= 1);
        Assert.True(totals.GetValueOrDefault("chat.broadcast.duration") >= 1);

        void Add(string name, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var key = name;
            foreach (var tag in tags)
            {
                if (tag.Key is "result" or "status") key += $" {tag.Key}={tag.Value}";
            }
            totals.AddOrUpdate(key, value, (_, total) => total + value);
            // Each rejection is also counted under its plain name, for the totals above.
            if (key != name) totals.AddOrUpdate(name, value, (_, total) => total + value);
        }
    }

    private static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }
}
