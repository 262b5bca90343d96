namespace Synack.Connections;

/// <summary>
/// A cancellation signal whose <see cref="CancellationTokenSource"/> is created only when someone asks for its token:
/// most connections never do, and an idle connection should not carry two of them. One field: null (neither asked for
/// nor cancelled), the source handed out, or a shared already-cancelled source once cancelled. Each change is a single
/// atomic swap of that field, so <see cref="Cancel"/> and <see cref="Token"/> may race from any threads and a token
/// handed out is always cancelled once Cancel has been called.
/// </summary>
internal struct LazyCancellation
{
    private static readonly CancellationTokenSource s_cancelled = CreateCancelled();
    private CancellationTokenSource? _source;

    /// <summary>True once <see cref="Cancel"/> was called.</summary>
    public readonly bool IsCancellationRequested => Volatile.Read(in _source) == s_cancelled;

    /// <summary>The token, creating its source on first use (an already cancelled token after <see cref="Cancel"/>).</summary>
    public CancellationToken Token
    {
        get
        {
            CancellationTokenSource? source = Volatile.Read(ref _source);
            if (source is null)
            {
                var created = new CancellationTokenSource();
                source = Interlocked.CompareExchange(ref _source, created, null) ?? created;
                if (source != created)
                {
                    created.Dispose(); // another thread published first, or Cancel ran: use what is there
                }
            }

            return source.Token;
        }
    }

    /// <summary>Cancels the token (once), running its callbacks on this thread, as <see cref="CancellationTokenSource.Cancel()"/> does.</summary>
    public void Cancel()
    {
        CancellationTokenSource? handedOut = Interlocked.Exchange(ref _source, s_cancelled);
        if (handedOut is not null && handedOut != s_cancelled)
        {
            handedOut.Cancel();
        }
    }

    private static CancellationTokenSource CreateCancelled()
    {
        var source = new CancellationTokenSource();
        source.Cancel();
        return source;
    }
}
