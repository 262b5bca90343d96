using Synack.Transport;

namespace Synack.Connections;

public sealed partial class Connection
{
    private int _aborted;
    private int _outputCompleted;
    private Task? _completeOutput;

    /// <summary>True once <see cref="CompleteOutput"/> (or a close) was called: nothing more may be sent.</summary>
    internal bool IsOutputCompleted => Volatile.Read(ref _outputCompleted) != 0;

    /// <summary>
    /// Half-close: after the bytes already queued, sends FIN (shutdown(SHUT_WR)). The peer reads end-of-stream; this side
    /// keeps receiving until the peer's FIN. Returns at once; idempotent. A send in progress on another task finishes first;
    /// sends started afterwards fail with <see cref="Errors.ErrorKind.Closed"/>.
    /// </summary>
    public void CompleteOutput() => _ = CompleteOutputAsync();

    /// <summary>Like <see cref="CompleteOutput"/>, and completes once the FIN has been handed to the kernel (or the connection ended).</summary>
    public Task CompleteOutputAsync()
    {
        if (IsInline)
        {
            Interlocked.Exchange(ref _outputCompleted, 1);
            return CompleteOutputInline(); // idempotent, and every caller gets the task of the FIN itself
        }

        if (Interlocked.Exchange(ref _outputCompleted, 1) == 0)
        {
            _completeOutput = CompleteOutputCoreAsync();
        }

        return Volatile.Read(ref _completeOutput) ?? _sendPump;
    }

    private async Task CompleteOutputCoreAsync()
    {
        await _sendLock!.WaitAsync().ConfigureAwait(false);
        try
        {
            await _output!.Writer.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }

        await _sendPump.ConfigureAwait(false);
    }

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
        BeginDiscardInput();
        Task completeOutput = CompleteOutputAsync();
        try
        {
            // Inline connections have no pumps: the socket is released once both directions finish, completing Closed.
            Task finished = IsInline ? Task.WhenAll(completeOutput, Closed) : Task.WhenAll(completeOutput, _receivePump, _sendPump);
            await finished.WaitAsync(Options.CloseTimeout, _time, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Aborts, recording <paramref name="reason"/> unless a reason was already recorded.</summary>
    internal void AbortCore(CloseReason reason)
    {
        TrySetCloseReason(reason);
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        if (IsInline)
        {
            AbortInline(); // under the connection's lock, where the raw descriptor is used; releases the socket
            return;
        }

        CloseAbortively();
        _input!.Writer.CancelPendingFlush();
        _output!.Reader.CancelPendingRead();
        ReleaseSocket();
    }

    /// <summary>
    /// Close(0) is .NET's abortive close: with operations pending it still resets (a plain Dispose may first shutdown()
    /// to unblock them, which would send FIN before the RST).
    /// </summary>
    private void CloseAbortively()
    {
        SocketConfigurator.SetAbortiveLinger(_socket);
        _epoll?.Unregister();
        _socket.Close(0);
        _epoll?.Close();
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
