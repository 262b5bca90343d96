using System.IO.Pipelines;
using System.Net.Sockets;
using Synack.Errors;

namespace Synack.Transport.Pipes;

internal sealed partial class PipesEngine
{
    private const int MinimumReadSize = 4096;
    private const int MaximumReadSize = 64 * 1024;
    private int _readSize = MinimumReadSize;
    private Exception? _fatalError;
    private readonly Epoll.ReadinessSignal _room = new(); // the reader made room (consumed, examined, or a pause ended)
    private long _received;    // bytes the pump put into the input pipe (written by the pump only)
    private long _consumed;    // bytes the reader consumed (written by the reader only)
    private long _examined;    // how far the reader examined, from the stream's start
    private int _waitingForRoom; // 1 while the pump waits for room: the reader then signals

    /// <summary>The reader advanced by <paramref name="consumed"/> bytes and examined <paramref name="examined"/> from where it was: the pump may read on.</summary>
    internal void OnInputAdvanced(long consumed, long examined)
    {
        long from = _consumed;
        Volatile.Write(ref _examined, Math.Max(Volatile.Read(ref _examined), from + examined));
        Volatile.Write(ref _consumed, from + consumed);
        AccountInput(Volatile.Read(ref _received) - (from + consumed));
        Interlocked.MemoryBarrier(); // the writes above before the flag's read; the pump fences the other way (Dekker)
        if (Volatile.Read(ref _waitingForRoom) != 0)
        {
            _room.Signal();
        }
    }

    /// <summary>
    /// How many bytes the next read may take: the input limit (see <see cref="ConnectionEngine.InputLimit"/>) less what is
    /// held; 0 while less than the smallest read (4 KiB) would fit and the reader still holds bytes, so that a reader a
    /// little behind is not fed byte by byte.
    /// </summary>
    private long Room()
    {
        long consumed = Volatile.Read(ref _consumed);
        long held = _received - consumed;
        long room = InputLimit(Volatile.Read(ref _examined) - consumed) - held;
        return room < MinimumReadSize && held > 0 ? 0 : room;
    }

    /// <summary>The application completed its reader: it reads no more, so the pump drops input from now on.</summary>
    internal void OnReaderCompleted()
    {
        MarkDiscardingInput();
        _room.Signal();
    }

    /// <summary>Waits (holding no buffer) until the input may grow: the room, or 0 once input is being discarded.</summary>
    /// <exception cref="ObjectDisposedException">The connection was aborted meanwhile.</exception>
    private async ValueTask<long> WaitForRoomAsync()
    {
        while (true)
        {
            int seen = _room.Sequence;
            Interlocked.Exchange(ref _waitingForRoom, 1); // a full fence before Room() reads the reader's counters
            long room = Room();
            if (room > 0 || IsDiscardingInput || IsAborted)
            {
                Volatile.Write(ref _waitingForRoom, 0);
                return IsDiscardingInput ? 0 : room > 0 ? room : throw new ObjectDisposedException("Connection");
            }

            await _room.WaitAsync(seen).ConfigureAwait(false);
            Volatile.Write(ref _waitingForRoom, 0);
        }
    }

    protected override void OnInputResumed() => _room.Signal();

    private async Task ReceivePumpAsync()
    {
        PipeWriter writer = _input.Writer;
        try
        {
            while (!IsDiscardingInput)
            {
                // Unjudged input is held to one read past what the reader examined (issue 14): wait for the reader first.
                long room = Room();
                if (room <= 0 && (room = await WaitForRoomAsync().ConfigureAwait(false)) <= 0)
                {
                    break; // discarding
                }

                // Wait for readability without holding a buffer, so idle connections pin no memory.
                await _stream.WaitForInputAsync().ConfigureAwait(false);
                if (IsDiscardingInput)
                {
                    break;
                }

                Memory<byte> buffer = writer.GetMemory(_readSize);
                if (buffer.Length > room)
                {
                    buffer = buffer[..(int)room];
                }

                int received = await _stream.ReceiveAsync(buffer).ConfigureAwait(false);
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
                Volatile.Write(ref _received, _received + received);
                AccountInput(_received - Volatile.Read(ref _consumed));
                Meter.OnReceived(received, Time.GetTimestamp());
                FlushResult flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    // The application completed Input: it will read no more. Keep draining to see the FIN.
                    MarkDiscardingInput();
                }
            }
        }
        catch (Exception e)
        {
            SynackException error = Classify(e, "read");
            writer.Complete(error);
            if (error.Kind != ErrorKind.Closed)
            {
                // Reset or timed out: the connection is dead both ways. Stop the send pump too, so the socket is released
                // and the connection closes even if the application never calls Close.
                Volatile.Write(ref _fatalError, e);
                _output.Reader.CancelPendingRead();
            }

            return;
        }

        // Discarding: the application will read no more. Fail its reads now, then drop bytes until the peer's FIN.
        writer.Complete(new SynackException(ErrorKind.Closed, "read", "connection closed locally", Host.LocalEndPoint, Host.RemoteEndPoint));
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

    /// <summary>Reads the socket's own stream (beneath TLS: these bytes are dropped, not decrypted) until the peer's FIN.</summary>
    private async Task DiscardUntilFinAsync()
    {
        byte[] scratch = new byte[MinimumReadSize];
        try
        {
            while (await _socketStream.ReceiveAsync(scratch).ConfigureAwait(false) > 0)
            {
            }

            OnRemoteFin();
        }
        catch (Exception e)
        {
            _ = Classify(e, "read");
        }
    }
}
