using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace WebApp.Bench;

/// <summary>
/// Reads another .NET process's managed heap size through its diagnostics port, the way
/// dotnet-counters and dotnet-gcdump do, so the figure is the server's own and not a guess.
/// </summary>
public static class ServerHeap
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Makes the process run a full blocking GC and returns the size of its GC heap right after,
    /// i.e. the live heap rather than garbage; null if the process cannot be reached in time.
    /// </summary>
    public static async Task<long?> ManagedHeapBytesAsync(int processId, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        // Enabling GCHeapCollect makes the runtime induce a full blocking GC as the session starts.
        var gcEvents = new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Informational,
            (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect));
        try
        {
            var session = await new DiagnosticsClient(processId)
                .StartEventPipeSessionAsync(gcEvents, requestRundown: false, circularBufferMB: 16, timeout.Token);
            var heapBytes = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            var reading = Task.Run(() => ReadInducedGcHeapSize(session.EventStream, heapBytes), CancellationToken.None);
            try
            {
                return await heapBytes.Task.WaitAsync(timeout.Token);
            }
            finally
            {
                // A process that cannot stop the session politely still ends it when the connection closes on Dispose.
                try { await session.StopAsync(timeout.Token); } catch (Exception) { }
                session.Dispose();
                await reading;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception)
        {
            // Gone, not a .NET process, diagnostics disabled, or no answer within the timeout.
            return null;
        }
    }

    private static void ReadInducedGcHeapSize(Stream eventStream, TaskCompletionSource<long> heapBytes)
    {
        try
        {
            using var events = new EventPipeEventSource(eventStream);
            var inducedFullGcRunning = false;
            events.Clr.GCStart += gc => inducedFullGcRunning = gc.Depth == 2 && gc.Reason == GCReason.Induced;
            // The heap stats follow the GC that produced them; any GC the server ran on its own is skipped.
            events.Clr.GCHeapStats += stats =>
            {
                if (!inducedFullGcRunning) return;
                heapBytes.TrySetResult(stats.GenerationSize0 + stats.GenerationSize1 + stats.GenerationSize2
                    + stats.GenerationSize3 + (stats.Version >= 2 ? stats.GenerationSize4 : 0));
                events.StopProcessing();
            };
            events.Process();
            heapBytes.TrySetException(new InvalidOperationException("The event stream ended before the induced GC reported its heap."));
        }
        catch (Exception readFailure)
        {
            heapBytes.TrySetException(readFailure);
        }
    }

    /// <summary>
    /// The live objects of the process by type (count and bytes), from the heap dump a full GC emits when asked (the
    /// events dotnet-gcdump reads); null if the process cannot be reached in time.
    /// </summary>
    public static async Task<Dictionary<string, (long Count, long Bytes)>?> LiveObjectsByTypeAsync(int processId)
    {
        var keywords = ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapDump | ClrTraceEventParser.Keywords.GCHeapCollect
            | ClrTraceEventParser.Keywords.Type | ClrTraceEventParser.Keywords.GCHeapAndTypeNames;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            var session = await new DiagnosticsClient(processId).StartEventPipeSessionAsync(
                new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Verbose, (long)keywords),
                requestRundown: false, circularBufferMB: 1024, timeout.Token);
            var typeNames = new Dictionary<ulong, string>();
            var sizesByTypeId = new Dictionary<ulong, (long Count, long Bytes)>();
            var dumped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var reading = Task.Run(() =>
            {
                using var events = new EventPipeEventSource(session.EventStream);
                var dumpingGc = -1;
                events.Clr.GCStart += gc =>
                {
                    if (dumpingGc < 0 && gc.Depth == 2 && gc.Reason is GCReason.Induced or GCReason.InducedNotForced) dumpingGc = gc.Count;
                };
                events.Clr.GCStop += gc =>
                {
                    if (gc.Count == dumpingGc) dumped.TrySetResult();
                };
                events.Clr.TypeBulkType += types =>
                {
                    for (var i = 0; i < types.Count; i++) typeNames[types.Values(i).TypeID] = types.Values(i).TypeName;
                };
                events.Clr.GCBulkNode += nodes =>
                {
                    if (dumpingGc < 0 || dumped.Task.IsCompleted) return;
                    for (var i = 0; i < nodes.Count; i++)
                    {
                        var node = nodes.Values(i);
                        var (count, bytes) = sizesByTypeId.GetValueOrDefault(node.TypeID);
                        sizesByTypeId[node.TypeID] = (count + 1, bytes + (long)node.Size);
                    }
                };
                events.Process();
            }, CancellationToken.None);
            await dumped.Task.WaitAsync(timeout.Token);
            // Type names can trail the dump a little.
            await Task.Delay(TimeSpan.FromSeconds(2));
            try { await session.StopAsync(timeout.Token); } catch (Exception) { }
            // The reader ends when the stream does; what it counted up to the dump's end is all that is needed.
            try { await reading.WaitAsync(TimeSpan.FromSeconds(30)); } catch (Exception) { }
            session.Dispose();

            var byName = new Dictionary<string, (long Count, long Bytes)>();
            foreach (var (typeId, (count, bytes)) in sizesByTypeId)
            {
                var name = typeNames.GetValueOrDefault(typeId, $"type 0x{typeId:x}");
                var (total, totalBytes) = byName.GetValueOrDefault(name);
                byName[name] = (total + count, totalBytes + bytes);
            }
            return byName;
        }
        catch (Exception)
        {
            return null;
        }
    }
}
