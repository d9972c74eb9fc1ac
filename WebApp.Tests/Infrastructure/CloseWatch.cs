using System.Diagnostics;
using System.Net.WebSockets;

namespace WebApp.Tests.Infrastructure;

/// <summary>Reads a socket in the background and notes when and how the server closed it.</summary>
public sealed class CloseWatch
{
    private readonly TaskCompletionSource<(WebSocketCloseStatus? Status, string? Reason, long At)> _closed =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CloseWatch(WebSocket socket) => _ = WatchAsync(socket);

    public bool IsClosed => _closed.Task.IsCompleted;

    /// <summary>The close status and how long after <paramref name="since"/> (a Stopwatch timestamp) it arrived.</summary>
    public async Task<(WebSocketCloseStatus? Status, string? Reason, TimeSpan After)> ClosedAsync(long since, int timeoutSeconds = 10)
    {
        var (status, reason, at) = await _closed.Task.WaitAsync(TimeSpan.FromSeconds(timeoutSeconds));
        return (status, reason, Stopwatch.GetElapsedTime(since, at));
    }

    private async Task WatchAsync(WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closed.TrySetResult((result.CloseStatus, result.CloseStatusDescription, Stopwatch.GetTimestamp()));
                    return;
                }
            }
        }
        catch (Exception)
        {
            _closed.TrySetResult((null, "aborted", Stopwatch.GetTimestamp()));
        }
    }
}
