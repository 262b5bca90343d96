namespace Synack.Connections;

/// <summary>
/// A cancellation signal whose <see cref="CancellationTokenSource"/> is created only when someone asks for its token:
/// most connections never do, and an idle connection should not carry two of them. Cancel and Token may race from any
/// threads: each side publishes with a full fence and then checks the other, so a token handed out is always cancelled
/// once <see cref="Cancel"/> has been called.
/// </summary>
internal struct LazyCancellation
{
    private CancellationTokenSource? _source;
    private int _cancelled;

    /// <summary>True once <see cref="Cancel"/> was called.</summary>
    public bool IsCancellationRequested => Volatile.Read(ref _cancelled) != 0;

    /// <summary>The token, creating its source on first use (an already cancelled token after <see cref="Cancel"/>).</summary>
    public CancellationToken Token
    {
        get
        {
            CancellationTokenSource? source = Volatile.Read(ref _source);
            if (source is null)
            {
                if (IsCancellationRequested)
                {
                    return new CancellationToken(canceled: true);
                }

                var created = new CancellationTokenSource();
                source = Interlocked.CompareExchange(ref _source, created, null) ?? created;
                if (source != created)
                {
                    created.Dispose();
                }
            }

            if (IsCancellationRequested)
            {
                source.Cancel(); // Cancel may have read the source before it was published
            }

            return source.Token;
        }
    }

    /// <summary>Cancels the token (once), running its callbacks on this thread, as <see cref="CancellationTokenSource.Cancel()"/> does.</summary>
    public void Cancel()
    {
        if (Interlocked.Exchange(ref _cancelled, 1) == 0)
        {
            Volatile.Read(ref _source)?.Cancel();
        }
    }
}
