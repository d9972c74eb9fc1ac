using System.Diagnostics.Metrics;

namespace WebApp.Chat;

/// <summary>
/// The chat's instruments on the meter <c>WebApp.Chat</c>, readable by <c>dotnet-counters monitor -n WebApp --counters
/// WebApp.Chat</c> and by OpenTelemetry's metrics.
/// </summary>
public sealed class ChatMetrics
{
    public const string MeterName = "WebApp.Chat";

    private readonly UpDownCounter<long> _openSockets;
    private readonly Counter<long> _upgrades;
    private readonly Counter<long> _persisted;
    private readonly Counter<long> _broadcast;
    private readonly Histogram<double> _broadcastLatency;
    private readonly Counter<long> _sendersPaused;
    private readonly Counter<long> _slowConsumersClosed;

    public ChatMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _openSockets = meter.CreateUpDownCounter<long>("chat.sockets.open", "{socket}", "Chat sockets open on this instance");
        _upgrades = meter.CreateCounter<long>("chat.upgrades", "{upgrade}", "Socket upgrades, by result (accepted or the rejection's status)");
        _persisted = meter.CreateCounter<long>("chat.messages.persisted", "{message}", "Messages stored by this instance");
        _broadcast = meter.CreateCounter<long>("chat.messages.broadcast", "{message}", "Messages this instance stored and sent to its sockets in the room (those from other instances are not counted)");
        _broadcastLatency = meter.CreateHistogram<double>("chat.broadcast.duration", "ms",
            "From a message being read off its sender's socket to its frame being queued for every socket in the room here");
        _sendersPaused = meter.CreateCounter<long>("chat.senders.paused", "{pause}",
            "Times a sender's next event waited because a share of its room's sockets (Chat:BackpressureRoomPercent) were behind (backpressure)");
        _slowConsumersClosed = meter.CreateCounter<long>("chat.sockets.slow_closed", "{socket}",
            "Sockets closed with 1013 for being behind while the rest of their room kept up");
    }

    public void SocketOpened() => _openSockets.Add(1);

    public void SocketClosed() => _openSockets.Add(-1);

    public void UpgradeAccepted() => _upgrades.Add(1, new KeyValuePair<string, object?>("result", "accepted"));

    public void UpgradeRejected(int status, string reason) =>
        _upgrades.Add(1, new("result", "rejected"), new("status", status), new("reason", reason));

    public void MessagesPersisted(int count) => _persisted.Add(count);

    public void SenderPaused() => _sendersPaused.Add(1);

    public void SlowConsumerClosed() => _slowConsumersClosed.Add(1);

    public void MessageBroadcast(TimeSpan sinceReceived)
    {
        _broadcast.Add(1);
        _broadcastLatency.Record(sinceReceived.TotalMilliseconds);
    }
}
