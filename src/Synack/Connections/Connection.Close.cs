namespace Synack.Connections;

public sealed partial class Connection
{
    private int _outputCompleted;

    /// <summary>True once <see cref="CompleteOutput"/> (or a close) was called: nothing more may be sent.</summary>
    internal bool IsOutputCompleted => Volatile.Read(ref _outputCompleted) != 0;

    /// <summary>
    /// Half-close: after the bytes already queued, sends FIN (shutdown(SHUT_WR)). The peer reads end-of-stream; this side
    /// keeps receiving until the peer's FIN. Returns at once; idempotent. A send in progress on another task finishes first;
    /// sends started afterwards fail with <see cref="Errors.ErrorKind.Closed"/>.
    /// </summary>
    public void CompleteOutput() => _ = CompleteOutputAsync();

    /// <summary>Like <see cref="CompleteOutput"/>, and completes once the FIN has been handed to the kernel (or the connection ended).</summary>
    public Task CompleteOutputAsync() => _engine.CompleteOutputAsync(first: Interlocked.Exchange(ref _outputCompleted, 1) == 0);

    /// <summary>
    /// Graceful close: sends what is queued, then FIN (shutdown(SHUT_WR)); reads and drops incoming bytes until the peer's
    /// FIN, then closes the socket. Draining first means close() finds no unread data, so the kernel sends no RST and the
    /// peer receives every byte we sent. Bounded by <see cref="ConnectionOptions.CloseTimeout"/>: after it the connection is
    /// aborted (RST). Idempotent and safe to race with <see cref="Abort"/> and <see cref="DisposeAsync"/>.
    /// Pending reads complete at once: the frame helpers with <see cref="Errors.ErrorKind.Closed"/>, a raw
    /// <see cref="Input"/> read with <c>IsCanceled</c>.
    /// </summary>
    /// <param name="cancellationToken">Cancelling aborts the connection (RST) and ends the wait.</param>
    /// <returns>The connection's close reason.</returns>
    public async Task<CloseReason> CloseAsync(CancellationToken cancellationToken = default)
    {
        TrySetCloseReason(CloseReason.LocalClose);
        _engine.DiscardInput();
        Task completeOutput = CompleteOutputAsync();
        try
        {
            await _engine.WhenClosed(completeOutput, Closed).WaitAsync(Options.CloseTimeout, _engine.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            AbortCore(CloseReason.Timeout);
        }
        catch (OperationCanceledException)
        {
            AbortCore(CloseReason.LocalAbort);
        }
        catch (Exception)
        {
            // A pump failed (reset while closing): its error is recorded in the close reason; nothing more to do.
        }

        return await Closed.ConfigureAwait(false);
    }

    /// <summary>
    /// Abortive close: SO_LINGER 0 then close(), so the kernel sends RST and drops unsent data; the peer sees
    /// "connection reset". Pending reads and writes fail at once with <see cref="Errors.ErrorKind.Closed"/>.
    /// Idempotent; never throws.
    /// </summary>
    public void Abort() => AbortCore(CloseReason.LocalAbort);

    /// <summary>
    /// The peer sent a malformed or oversize message (<see cref="Errors.ErrorKind.ProtocolError"/>,
    /// <see cref="Errors.ErrorKind.LimitExceeded"/>): abort (RST) with the matching close reason, since nothing more it
    /// sends can be trusted. Other kinds are not bad input and change nothing.
    /// </summary>
    internal void AbortOnBadInput(Errors.ErrorKind kind)
    {
        CloseReason reason = kind switch
        {
            Errors.ErrorKind.ProtocolError => CloseReason.ProtocolError,
            Errors.ErrorKind.LimitExceeded => CloseReason.LimitExceeded,
            _ => CloseReason.None,
        };
        if (reason != CloseReason.None)
        {
            AbortCore(reason);
        }
    }

    /// <summary>
    /// The handler threw <paramref name="fault"/> (a bug): counted in <c>synack.errors</c> (its type name, operation
    /// <c>handler</c>) and aborted with <see cref="CloseReason.HandlerFault"/>, which replaces a <see cref="CloseReason.RemoteFin"/>
    /// recorded before (see <see cref="Connections.CloseReason"/>) unless the connection is already closed.
    /// </summary>
    internal void AbortForHandlerFault(Exception fault)
    {
        Diagnostics.SynackMetrics.Error(fault.GetType().FullName ?? fault.GetType().Name, "handler", Metrics);
        if (!TrySetCloseReason(CloseReason.HandlerFault) && !_closed.IsSet)
        {
            Interlocked.CompareExchange(ref _closeReason, (int)CloseReason.HandlerFault, (int)CloseReason.RemoteFin);
        }

        _engine.Abort();
    }

    /// <summary>Aborts, recording <paramref name="reason"/> unless a reason was already recorded.</summary>
    internal void AbortCore(CloseReason reason)
    {
        TrySetCloseReason(reason);
        _engine.Abort(); // once; the engine releases the socket
    }

    /// <summary>Closes gracefully (as <see cref="CloseAsync"/>), never throwing.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            AbortCore(CloseReason.LocalAbort);
        }
    }
}
