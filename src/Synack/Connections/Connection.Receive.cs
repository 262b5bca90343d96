using System.IO.Pipelines;
using System.Net.Sockets;
using Synack.Errors;
using Synack.Transport;

namespace Synack.Connections;

public sealed partial class Connection
{
    private const int MinimumReadSize = 4096;
    private const int MaximumReadSize = 64 * 1024;
    private int _readSize = MinimumReadSize;
    private int _discardInput;
    private Exception? _fatalError;
    private int _idle;

    /// <summary>True while a frame helper waits for the first byte of the next frame (used by server drain).</summary>
    internal bool IsIdle => Volatile.Read(ref _idle) != 0;

    internal bool IsStopRequested => _stopRequested.IsCancellationRequested;

    /// <summary>Marks whether a frame helper is waiting at a frame boundary. Full fence: pairs with <see cref="RequestStop"/>.</summary>
    internal void SetIdle(bool idle) => Interlocked.Exchange(ref _idle, idle ? 1 : 0);

    /// <summary>
    /// Marks the connection idle at a message boundary unless a stop was already requested (then false). Full fence, then
    /// check: pairs with <see cref="RequestStop"/> (set flag, then check idle), so one of the two always sees the other.
    /// </summary>
    internal bool TryEnterIdle()
    {
        SetIdle(true);
        if (IsStopRequested)
        {
            SetIdle(false);
            return false;
        }

        return true;
    }

    /// <summary>Asks the handler to finish: signals <see cref="StopRequested"/> and wakes a helper that waits idle between frames.</summary>
    internal void RequestStop()
    {
        _stopRequested.Cancel();
        if (IsInline)
        {
            RequestStopInline();
        }
        else if (IsIdle)
        {
            _input!.Reader.CancelPendingRead();
        }
    }

    /// <summary>Stops delivering input: later bytes are read and dropped until the peer's FIN, so close() never sends RST.</summary>
    private void BeginDiscardInput()
    {
        if (Interlocked.Exchange(ref _discardInput, 1) == 0)
        {
            if (IsInline)
            {
                DiscardInputInline();
                return;
            }

            _input!.Writer.CancelPendingFlush();
            _input.Reader.CancelPendingRead();
        }
    }

    private async Task ReceivePumpAsync()
    {
        PipeWriter writer = _input!.Writer;
        try
        {
            while (Volatile.Read(ref _discardInput) == 0)
            {
                // Zero-byte read: wait for readability without holding a buffer, so idle connections pin no memory.
                // (Over TLS a read may be satisfied from SslStream's own buffer, so TLS reads go straight in.)
                if (_epoll is { } epoll && _tls is null)
                {
                    // Wait for an input edge newer than the last read that emptied the socket (else it may hold more).
                    if (_inputDrained)
                    {
                        await epoll.Readable.WaitAsync(_inputDrainedAt).ConfigureAwait(false);
                    }
                }
                else if (_tls is null)
                {
                    await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                }

                if (Volatile.Read(ref _discardInput) != 0)
                {
                    break;
                }

                Memory<byte> buffer = writer.GetMemory(_readSize);
                int received = _tls is null
                    ? await ReceiveRawAsync(buffer).ConfigureAwait(false)
                    : await ReceiveTlsAsync(buffer).ConfigureAwait(false);
                AdaptReadSize(received, buffer.Length);
                if (received == 0)
                {
                    if (WasResetNotFin())
                    {
                        throw new SocketException((int)SocketError.ConnectionReset);
                    }

                    OnRemoteFin();
                    writer.Complete();
                    return;
                }

                writer.Advance(received);
                OnReceived(received);
                FlushResult flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    // The application completed Input: it will read no more. Keep draining to see the FIN.
                    Interlocked.Exchange(ref _discardInput, 1);
                }
            }
        }
        catch (Exception e)
        {
            SynackException error = ClassifyPumpError(e, "read");
            writer.Complete(error);
            if (error.Kind != ErrorKind.Closed)
            {
                // Reset or timed out: the connection is dead both ways. Stop the send pump too, so the socket is released
                // and Closed completes even if the application never calls Close.
                Volatile.Write(ref _fatalError, e);
                _output!.Reader.CancelPendingRead();
            }

            return;
        }

        // Discarding: the application will read no more. Fail its reads now, then drop bytes until the peer's FIN.
        writer.Complete(new SynackException(ErrorKind.Closed, "read", "connection closed locally", LocalEndPoint, RemoteEndPoint));
        await DiscardUntilFinAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Bulk transfers get large reads, request/response traffic small ones: a read that filled its buffer doubles the next
    /// one (up to 64 KiB, as the C yardstick reads); one that used less than a quarter halves it (down to 4 KiB).
    /// </summary>
    private void AdaptReadSize(int received, int capacity)
    {
        if (received == capacity && _readSize < MaximumReadSize)
        {
            _readSize *= 2;
        }
        else if (received < capacity / 4 && _readSize > MinimumReadSize)
        {
            _readSize /= 2;
        }
    }

    private async Task DiscardUntilFinAsync()
    {
        byte[] scratch = new byte[MinimumReadSize];
        try
        {
            while (await ReceiveRawAsync(scratch).ConfigureAwait(false) > 0)
            {
            }

            OnRemoteFin();
        }
        catch (Exception e)
        {
            _ = ClassifyPumpError(e, "read");
        }
    }

    /// <summary>recv() == 0 means FIN, unless a concurrent send() already consumed the ECONNRESET (see <see cref="LinuxTcp.IsClosed"/>).</summary>
    private bool WasResetNotFin() =>
        OperatingSystem.IsLinux() && _socket.ProtocolType == System.Net.Sockets.ProtocolType.Tcp && Volatile.Read(ref _finSent) == 0 && LinuxTcp.IsClosed(_socket);

    private void OnRemoteFin() =>
        TrySetCloseReason(Volatile.Read(ref _finSent) != 0 ? CloseReason.LocalHalfCloseThenRemoteFin : CloseReason.RemoteFin);

    /// <summary>Turns a pump's exception into the error pending operations see, recording RemoteReset when the peer reset.</summary>
    private SynackException ClassifyPumpError(Exception e, string operation)
    {
        if (Volatile.Read(ref _aborted) != 0 || e is ObjectDisposedException
            || e is SocketException { SocketErrorCode: SocketError.OperationAborted })
        {
            return new SynackException(ErrorKind.Closed, operation, $"connection aborted locally ({CloseReason})",
                LocalEndPoint, RemoteEndPoint, SocketError.OperationAborted, e);
        }

        SynackException error = SocketErrors.Wrap(e, operation, LocalEndPoint, RemoteEndPoint);
        if (error.IsConnectionLost)
        {
            TrySetCloseReason(CloseReason.RemoteReset);
        }
        else if (error.Kind == ErrorKind.TimedOut)
        {
            TrySetCloseReason(CloseReason.Timeout);
        }

        return error;
    }
}
