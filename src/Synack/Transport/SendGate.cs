namespace Synack.Transport;

/// <summary>
/// The send lock of a connection: whole sends (and output completion) hold it so that concurrent senders never
/// interleave. Uncontended, taking and releasing it is one atomic add each; only a sender that finds it held waits, on
/// a semaphore made at the first contention (a "benaphore"). A <see cref="SemaphoreSlim"/> took a monitor twice per
/// send: an async echo client's per-message SendAsync spent more in it than in its own code (perf,
/// `EchoServers async-client`, docs/benchmarks.md, stop 20).
/// </summary>
/// <remarks>
/// <c>_count</c> is the number of holders plus waiters. A waiter whose wait is cancelled keeps its place: the hand-over
/// it would have had is taken by a stand-in that passes it straight on, so a cancel never loses a release (the
/// semaphore's count stays equal to the hand-overs owed). Waiters resume asynchronously, as SemaphoreSlim's do.
/// </remarks>
internal sealed class SendGate
{
    private int _count;
    private SemaphoreSlim? _handOver;

    /// <summary>Takes the lock if it is free, without waiting.</summary>
    public bool TryEnter() => Interlocked.CompareExchange(ref _count, 1, 0) == 0;

    /// <summary>Takes the lock, waiting behind earlier holders.</summary>
    /// <exception cref="OperationCanceledException">The wait was cancelled (the lock is not held).</exception>
    public ValueTask WaitAsync(CancellationToken cancellationToken = default) =>
        Interlocked.Increment(ref _count) == 1 ? default : WaitForHandOverAsync(cancellationToken);

    /// <summary>Releases the lock, handing it to the next waiter if there is one.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _count);
        if (left > 0)
        {
            HandOver.Release();
        }
        else if (left < 0)
        {
            Interlocked.Increment(ref _count);
            throw new SemaphoreFullException("The send lock was released more often than it was taken.");
        }
    }

    private SemaphoreSlim HandOver =>
        Volatile.Read(ref _handOver) ?? Interlocked.CompareExchange(ref _handOver, new SemaphoreSlim(0), null) ?? _handOver!;

    private async ValueTask WaitForHandOverAsync(CancellationToken cancellationToken)
    {
        SemaphoreSlim handOver = HandOver;
        try
        {
            await handOver.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _ = PassOnAsync(handOver);
            throw;
        }
    }

    /// <summary>A cancelled waiter's stand-in: takes its hand-over when it comes and releases at once.</summary>
    private async Task PassOnAsync(SemaphoreSlim handOver)
    {
        await handOver.WaitAsync().ConfigureAwait(false);
        Release();
    }
}
