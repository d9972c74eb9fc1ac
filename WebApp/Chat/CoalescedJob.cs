namespace WebApp.Chat;

/// <summary>
/// Work that runs once, a moment after it is first requested, however often it is requested meanwhile. Once
/// <c>stopping</c> is cancelled nothing more runs: the services the work uses are about to be disposed.
/// </summary>
public sealed class CoalescedJob
{
    private int _pending;

    public void Request(TimeSpan delay, Func<Task> work, Action<Exception> onFailure, CancellationToken stopping)
    {
        if (stopping.IsCancellationRequested || Interlocked.Exchange(ref _pending, 1) == 1) return;
        _ = RunLaterAsync();

        async Task RunLaterAsync()
        {
            try
            {
                await Task.Delay(delay, stopping);
                // Reset first: a request arriving while the work runs schedules another run, so none is lost.
                Volatile.Write(ref _pending, 0);
                await work();
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // The app is stopping and every socket is being closed: nobody is left to tell.
            }
            catch (Exception e)
            {
                onFailure(e);
            }
        }
    }
}
