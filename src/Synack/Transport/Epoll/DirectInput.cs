using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Synack.Errors;

namespace Synack.Transport.Epoll;

/// <summary>
/// The direct engine's input (issue 12, part 2): a <see cref="PipeReader"/> that is the socket itself. A read with bytes
/// buffered completes at once; one without calls recv() on the reader's own thread; one that finds the socket empty waits
/// for the next edge, and the loop thread then reads and runs the reader's continuation inline. No receive pump, no pipe,
/// no second copy. An edge while nobody reads is read ahead, as a pipe's pump would, but never past
/// <see cref="Connections.ConnectionOptions.MaxReadBufferSize"/>: beyond it the bytes wait in the kernel, where TCP's flow
/// control slows the peer. Nor does it read more than one read (<see cref="Connections.ConnectionOptions.MaxUnjudgedBytes"/>)
/// past what the reader has examined, unless a decoder accepted the frame's header: so unjudged input costs one read, not
/// the cap (issue 14, problem 2).
/// </summary>
/// <remarks>
/// One buffer from the shared pool holds what was received and not yet consumed; it goes back to the pool whenever it is
/// empty, so a connection waiting in a read holds no buffer. Every field is guarded by the engine's lock.
/// </remarks>
internal sealed class DirectInput(DirectEngine engine) : PipeReader, IValueTaskSource<ReadResult>
{
    private const int MinimumReadSize = 4096;
    private const int MaximumReadSize = 64 * 1024; // as the C yardstick reads (and the pipes engine's largest read)
    private const int ReadBudget = 16;             // synchronous recv()s per dispatch before yielding (see MayReceiveHere)

    private ManualResetValueTaskSourceCore<ReadResult> _core;
    private CancellationTokenRegistration _cancellation;
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private int _examined;
    private int _readSize = MinimumReadSize;
    private bool _drained = true;  // the last recv() emptied the socket: wait for an edge before the next one
    private bool _waiting;         // a ReadAsync is pending
    private bool _cancelPending;   // CancelPendingRead before the next read
    private bool _ended;           // the peer's FIN was read
    private bool _readerCompleted;
    private int _dispatchReads;    // recv()s the reader made inline in this dispatch
    private bool _holding;         // the reader holds the last result's buffer (until AdvanceTo): it must not move
    private Exception? _error;     // what every later read throws

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        lock (engine.Gate)
        {
            if (_readerCompleted || _waiting)
            {
                throw new InvalidOperationException(_readerCompleted ? "Reading is not allowed after the reader was completed." : "Reading is already in progress.");
            }

            if (HasNews || (MayReceiveHere() && Receive()))
            {
                return new ValueTask<ReadResult>(Take());
            }

            cancellationToken.ThrowIfCancellationRequested();
            _core.Reset();
            _waiting = true;
            if (!_drained)
            {
                engine.RearmInput(); // bytes may wait in the kernel: the loop reads them and runs the reader there
            }

            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.UnsafeRegister(static (s, token) => ((DirectInput)s!).Cancel(token), this);
            }

            return new ValueTask<ReadResult>(this, _core.Version);
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (engine.Gate)
        {
            if (HasNews || (MayReceiveHere() && Receive()))
            {
                result = Take();
                return true;
            }

            result = default;
            return false;
        }
    }

    /// <summary>
    /// TryRead, copy and AdvanceTo in one step under one lock (ReadExactlyAsync's fast path): the per-message async
    /// client took the engine's lock three times per 32 B reply (perf, docs/benchmarks.md, stop 20). False, with nothing
    /// consumed, unless <paramref name="destination"/>'s length is buffered (after a recv() where one is allowed).
    /// </summary>
    public bool TryCopyExactly(Span<byte> destination)
    {
        lock (engine.Gate)
        {
            if (_readerCompleted || _waiting || _holding || _cancelPending || _error is not null)
            {
                return false;
            }

            if (_end - _start < destination.Length && (!MayReceiveHere() || !Receive() || _error is not null || _end - _start < destination.Length))
            {
                return false;
            }

            _buffer.AsSpan(_start, destination.Length).CopyTo(destination);
            _start += destination.Length;
            _examined = _start;
            engine.OnInputHeld(_end - _start);
            ReturnBufferIfEmpty();
            return true;
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        lock (engine.Gate)
        {
            _holding = false;
            if (_buffer is null || (consumed.GetObject() is { } owner && owner != _buffer))
            {
                return; // nothing buffered (a read that returned an empty buffer), or a position of a buffer already returned
            }

            int start = consumed.GetInteger();
            int seen = examined.GetInteger();
            if (start < _start || start > _end || seen < start || seen > _end)
            {
                throw new InvalidOperationException("The position is outside the last buffer read.");
            }

            _start = start;
            _examined = seen;
            engine.OnInputHeld(_end - _start);
            if (_start == _end)
            {
                ReturnBuffer(); // empty: an idle connection holds no buffer
            }
        }
    }

    public override void CancelPendingRead()
    {
        ReadResult result;
        lock (engine.Gate)
        {
            if (!_waiting)
            {
                _cancelPending = true;
                return;
            }

            _waiting = false;
            result = new ReadResult(Buffered(), isCanceled: true, isCompleted: _ended);
        }

        Complete(result);
    }

    public override void Complete(Exception? exception = null)
    {
        lock (engine.Gate)
        {
            if (_readerCompleted)
            {
                return;
            }

            _readerCompleted = true;
            ReturnBuffer();
        }

        engine.OnReaderCompleted(); // the application reads no more: drop the rest until the peer's FIN
    }

    /// <summary>
    /// Whether a read with nothing buffered may recv() on this thread: only inside this connection's dispatch on its loop
    /// thread, and at most <see cref="ReadBudget"/> times per dispatch. Elsewhere (a handler that started, or resumed, on the
    /// thread pool) the read waits and the loop delivers it: the handler moves onto the loop, where its flushes are
    /// consolidated (a framed echo read 64 KiB synchronously on the thread pool and sent each 32-byte frame alone: 80 msg/s
    /// on (d)). Past the budget the reader yields to the loop's other connections (tokio's cooperative budget).
    /// </summary>
    private bool MayReceiveHere() => !_drained && engine.IsDispatchingHere && _dispatchReads++ < ReadBudget;

    /// <summary>An input edge (on the loop thread): reads for a waiting reader and runs its continuation here.</summary>
    public void OnEdge()
    {
        ReadResult result = default;
        Exception? error;
        lock (engine.Gate)
        {
            _drained = false;
            _dispatchReads = 0;
            if (!_waiting)
            {
                // Nobody is reading (a handler busy, or waiting for its flush): read ahead as a pipe's pump would, one read
                // past what the reader examined (or the rest of an accepted frame), so two peers that each write before
                // reading deadlock no sooner than on the pipes engine; a reset or FIN is found this way too. Past that the
                // bytes wait in the kernel, and SO_ERROR tells a reset.
                if (!_holding)
                {
                    ReadAhead();
                }

                engine.CheckResetUnread();
                return;
            }

            if (!Receive())
            {
                return;
            }

            _waiting = false;
            error = _error;
            if (error is null)
            {
                result = Take();
            }
        }

        if (error is null)
        {
            Complete(result);
        }
        else
        {
            CompleteWithError(error);
        }
    }

    /// <summary>The connection is dead (under the lock): every later read throws <paramref name="error"/>; true if a read waits.</summary>
    public bool SetError(Exception error)
    {
        _error ??= error; // (the buffer stays: the reader may still hold bytes of it; it goes at AdvanceTo or Complete)
        return _waiting;
    }

    /// <summary>Fails a waiting read with the error set (outside the lock).</summary>
    public void WakeWithError()
    {
        Exception error;
        lock (engine.Gate)
        {
            if (!_waiting || _error is null)
            {
                return;
            }

            _waiting = false;
            error = _error;
        }

        CompleteWithError(error);
    }

    /// <summary>A local close: a waiting read returns as cancelled (as a pipe's CancelPendingRead), every later one throws <paramref name="error"/>.</summary>
    public void Close(Exception error)
    {
        ReadResult result;
        lock (engine.Gate)
        {
            _error ??= error;
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
            result = new ReadResult(Buffered(), isCanceled: true, isCompleted: _ended);
        }

        Complete(result);
    }

    /// <summary>recv() until EAGAIN, the cap, the FIN or an error, with nobody reading (under the lock, the buffer not held).</summary>
    private void ReadAhead()
    {
        while (!_drained && _error is null && !_ended && engine.CanTransfer)
        {
            int before = _end;
            _ = Receive(force: true);
            if (_end == before)
            {
                return; // EAGAIN, or full at the cap
            }
        }
    }

    /// <summary>
    /// recv() into the buffer's free space (under the lock): true when the reader has news (bytes, the FIN, an error);
    /// false on EAGAIN, or when the buffer is full at <see cref="Connections.ConnectionOptions.MaxReadBufferSize"/>.
    /// </summary>
    private bool Receive(bool force = false)
    {
        if (HasNews && !force)
        {
            return true;
        }

        if (!engine.CanTransfer)
        {
            return false;
        }

        Span<byte> space = FreeSpace();
        if (space.IsEmpty)
        {
            return false; // the reader holds the most it may without consuming: it must judge what it has first
        }

        int received = engine.Calls.Receive(engine.Fd, space, out SocketError error);
        if (received > 0)
        {
            _end += received;
            engine.OnInputHeld(_end - _start);
            _drained = received < space.Length && !engine.InputEnding;
            AdaptReadSize(received, space.Length);
            engine.OnReceived(received);
            return true;
        }

        if (error == SocketError.WouldBlock)
        {
            _drained = true;
            if (_start == _end)
            {
                ReturnBuffer();
            }

            return false;
        }

        ReturnBufferIfEmpty();
        if (received == 0)
        {
            _ended = engine.OnInputEnded(out _error); // the peer's FIN, or a reset seen as end-of-stream
            return true;
        }

        _error = engine.OnInputFailed(new SocketException((int)error));
        return true;
    }

    /// <summary>Whether a read completes now: an error, a cancel, unexamined bytes or the FIN.</summary>
    private bool HasNews => _error is not null || _cancelPending || _end > _examined || _ended;

    /// <summary>The result for a read that has news (on the reader's thread: an error is thrown).</summary>
    private ReadResult Take()
    {
        if (_error is not null)
        {
            throw _error;
        }

        bool canceled = _cancelPending;
        _cancelPending = false;
        _holding = _buffer is not null;
        return new ReadResult(Buffered(), canceled, isCompleted: _ended);
    }

    private ReadOnlySequence<byte> Buffered() =>
        _buffer is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer, _start, _end - _start);

    /// <summary>
    /// Room after the buffered bytes: a buffer from the pool, compacted or doubled as needed, never beyond the cap; and never
    /// more than one read (<see cref="Connections.ConnectionOptions.MaxUnjudgedBytes"/>) past what the reader examined,
    /// unless a decoder accepted the frame's header (<see cref="ConnectionEngine.InputLimit"/>). Empty while the server's
    /// budget pauses the connection.
    /// </summary>
    private Span<byte> FreeSpace()
    {
        int held = _end - _start;
        int limit = (int)engine.InputLimitFor(_examined - _start);
        if (held >= limit)
        {
            return default; // the reader must judge what it has first
        }

        int cap = engine.MaxReadBufferSize;
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(_readSize, limit));
            _start = _end = _examined = 0;
        }
        else if (_end == Math.Min(_buffer.Length, cap))
        {
            if (_start > 0 && held < _buffer.Length / 2)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, held);
            }
            else if (_buffer.Length < cap)
            {
                byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, cap));
                Buffer.BlockCopy(_buffer, _start, larger, 0, held);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }
            else if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, held);
            }
            else
            {
                return default;
            }

            _examined -= _start;
            _start = 0;
            _end = held;
        }

        return _buffer.AsSpan(_end, Math.Min(Math.Min(_buffer.Length, cap) - _end, limit - held));
    }

    /// <summary>A read that filled its space doubles the next buffer (up to 64 KiB); one that used under a quarter halves it.</summary>
    private void AdaptReadSize(int received, int space)
    {
        if (received == space && _readSize < MaximumReadSize)
        {
            _readSize *= 2;
        }
        else if (received < space / 4 && _readSize > MinimumReadSize)
        {
            _readSize /= 2;
        }
    }

    private void ReturnBufferIfEmpty()
    {
        if (_start == _end)
        {
            ReturnBuffer();
        }
    }

    private void ReturnBuffer()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            _start = _end = _examined = 0;
            engine.OnInputHeld(0);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Cancel(CancellationToken token)
    {
        lock (engine.Gate)
        {
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
        }

        CompleteWithError(new OperationCanceledException(token));
    }

    /// <summary>Completes the waiting read; its continuation runs here (on the loop thread for an edge), outside the lock.</summary>
    private void Complete(ReadResult result)
    {
        _cancellation.Dispose();
        _cancellation = default;
        _core.SetResult(result);
    }

    private void CompleteWithError(Exception error)
    {
        _cancellation.Dispose();
        _cancellation = default;
        _core.SetException(error);
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
