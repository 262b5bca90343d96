using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Synack.Transport.Epoll;

/// <summary>
/// The direct engine's output (issue 12, part 2): a <see cref="PipeWriter"/> whose flush is send() on the writer's own
/// thread. What the kernel does not take at once stays in the buffer and goes out on the loop thread's output edges; the
/// flush completes at once unless more than <see cref="Connections.ConnectionOptions.MaxPendingSendBytes"/> waits for a
/// slow peer, and then only once half of that has gone (the pipes engine's pause and resume thresholds). No send pump.
/// </summary>
/// <remarks>
/// The writer (one at a time: the connection's send lock serializes senders) owns the bytes after the committed ones and
/// writes them without the lock; the loop thread only sends committed bytes, under the engine's lock, and never moves or
/// returns the buffer. The buffer goes back to the pool after a flush that sent everything.
/// </remarks>
internal sealed class DirectOutput(DirectEngine engine) : PipeWriter, IValueTaskSource<FlushResult>
{
    private const int MinimumBufferSize = 4096;
    private const int DeferLimit = 64 * 1024; // past this, a deferred flush sends at once (the C yardstick's read size)

    // From this size a WriteAsync with nothing queued sends from the caller's memory instead of copying it first: a write
    // this large is worth its own send() (it would pass a quarter of DeferLimit alone), and the copy was the async echo's
    // largest user-space cost at (d), 64 KiB messages: libc memmove 10.1 % of its samples (docs/benchmarks.md, stop 24).
    // Smaller writes keep the copy, so that a dispatch's writes still go out as one send().
    private const int DirectWriteMinimum = 16 * 1024;

    private ManualResetValueTaskSourceCore<FlushResult> _core;
    private byte[]? _buffer;
    private int _sendStart;  // the first byte not yet sent
    private int _committed;  // the end of the flushed bytes (sent or queued)
    private int _end;        // the end of the bytes written so far (the writer's)
    private bool _flushWaiting;
    private bool _cancelPending;
    private bool _writerCompleted;
    private bool _lent;      // GetMemory/GetSpan handed out memory the writer has not flushed yet
    private bool _deferred;  // committed bytes wait for the end of the loop thread's dispatch (see FlushAsync)
    private bool _blocked;   // the last send() hit EAGAIN, no progress since: wait for the output edge (framed (d): one failing send per frame)
    private Exception? _error;

    /// <summary>Committed bytes not yet sent.</summary>
    private int Pending => _committed - _sendStart;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer is null || _buffer.Length - _end < needed)
        {
            MakeRoom(needed);
        }

        _lent = true;
        return _buffer.AsMemory(_end);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if ((uint)bytes > (uint)(_buffer?.Length - _end ?? 0))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advanced past the memory that was handed out.");
        }

        _end += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_deferred && engine.IsDispatchingHere && _end - _sendStart < DeferLimit && _error is null && !Volatile.Read(ref _cancelPending))
        {
            // Another flush in a dispatch that already deferred one, without the lock: on the loop thread the only other
            // hands on the output are an abort (which sets _error, seen at the deferred send) and CancelPendingFlush
            // (checked above; one racing with this flush may apply to the next, as a pipe's may). The senders are
            // serialized by the send lock, and the loop's own sends run on this thread. One lock per frame less for a
            // handler that writes frame by frame (the framed echo, docs/benchmarks.md, stop 20).
            _committed = _end;
            _lent = false;
            return new ValueTask<FlushResult>(default(FlushResult));
        }

        lock (engine.Gate)
        {
            if (_error is not null)
            {
                throw _error;
            }

            if (_cancelPending)
            {
                _cancelPending = false;
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: false));
            }

            _committed = _end;
            _lent = false;
            if (engine.IsDispatchingHere && Pending < DeferLimit)
            {
                // Flush consolidation (Netty's FlushConsolidationHandler, Kestrel's output batching): a flush made while
                // the loop thread runs this connection's continuation is sent when that continuation yields, with
                // whatever else it writes meanwhile: a handler that writes one frame at a time over a batch of input
                // then makes one send(), not one per frame. Order is kept; nothing waits longer than the dispatch.
                _deferred = true;
                return new ValueTask<FlushResult>(default(FlushResult));
            }

            _deferred = false;
            if (!_blocked && SendCommitted())
            {
                ReturnBufferIfSent();
                return new ValueTask<FlushResult>(default(FlushResult));
            }

            if (_error is not null)
            {
                throw _error;
            }

            // The rest goes out on output edges.
            return CompletedOrWaitOverCap();
        }
    }

    /// <summary>
    /// Write and flush. A large write with nothing queued before it goes to send() straight from <paramref name="source"/>
    /// (as C's echo sends from its receive buffer); what the kernel does not take is copied and queued in the same lock
    /// hold, so the caller's memory is free once this returns, whether or not the flush still waits.
    /// </summary>
    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        if (source.Length < DirectWriteMinimum)
        {
            return base.WriteAsync(source, cancellationToken);
        }

        lock (engine.Gate)
        {
            // Nothing written before it may wait (order) and no memory is lent out (the buffer may go back to the pool); a
            // pending flush cancellation (it belongs to this flush), a blocked socket or a completed writer take the
            // ordinary path and its answers.
            if (_end != _sendStart || _lent || _blocked || _cancelPending || _writerCompleted || _error is not null)
            {
                return base.WriteAsync(source, cancellationToken);
            }

            ReadOnlySpan<byte> rest = source.Span[SendSpan(source.Span)..];
            if (_error is not null)
            {
                throw _error;
            }

            if (rest.IsEmpty)
            {
                OnDrained();
                ReturnBufferIfSent();
                return new ValueTask<FlushResult>(default(FlushResult));
            }

            // EAGAIN part way: the rest waits for the output edge that SendSpan asked for, queued before the lock goes.
            rest.CopyTo(GetSpan(rest.Length));
            Advance(rest.Length);
            _committed = _end;
            _lent = false;
            return CompletedOrWaitOverCap();
        }
    }

    public override void CancelPendingFlush()
    {
        lock (engine.Gate)
        {
            if (!_flushWaiting)
            {
                _cancelPending = true;
                return;
            }

            _flushWaiting = false;
        }

        _core.SetResult(new FlushResult(isCanceled: true, isCompleted: false));
    }

    /// <summary>Completes the output: FIN once everything written (flushed or not, as a pipe's completion) is sent.</summary>
    public override void Complete(Exception? exception = null)
    {
        lock (engine.Gate)
        {
            if (_writerCompleted)
            {
                return;
            }

            _writerCompleted = true;
            if (_error is not null)
            {
                return;
            }

            _committed = _end;
            if (SendCommitted())
            {
                engine.SendFin();
            }
        }
    }

    /// <summary>An output edge (on the loop thread): sends what is queued; wakes a flush once half the cap has gone; FIN when done.</summary>
    public void OnEdge()
    {
        Exception? error;
        lock (engine.Gate)
        {
            if (_error is null && Pending > 0 && SendCommitted() && _writerCompleted)
            {
                engine.SendFin();
            }

            error = _error;
            if (!_flushWaiting || (error is null && Pending > engine.MaxPendingSendBytes / 2))
            {
                return;
            }

            _flushWaiting = false;
        }

        // The writer's continuation runs here, outside the lock.
        if (error is null)
        {
            _core.SetResult(default);
        }
        else
        {
            _core.SetException(error);
        }
    }

    /// <summary>
    /// The loop thread's dispatch of this connection ended (its continuation yielded): sends what flushes deferred. The
    /// buffer goes back to the pool when all is sent and the writer holds none of it.
    /// </summary>
    public void SendDeferred()
    {
        lock (engine.Gate)
        {
            if (!_deferred)
            {
                return;
            }

            _deferred = false;
            if (_error is null && !_blocked && SendCommitted() && !_lent)
            {
                ReturnBufferIfSent();
            }
        }
    }

    /// <summary>The connection is dead (under the lock): every later flush throws <paramref name="error"/>; true if a flush waits.</summary>
    public bool SetError(Exception error)
    {
        _error ??= error;
        return _flushWaiting;
    }

    /// <summary>Fails a waiting flush with the error set (outside the lock).</summary>
    public void WakeWithError()
    {
        Exception error;
        lock (engine.Gate)
        {
            if (!_flushWaiting || _error is null)
            {
                return;
            }

            _flushWaiting = false;
            error = _error;
        }

        _core.SetException(error);
    }

    /// <summary>send() of the committed bytes until done or EAGAIN (under the lock); true once all are sent.</summary>
    private bool SendCommitted()
    {
        if (Pending > 0)
        {
            _sendStart += SendSpan(_buffer.AsSpan(_sendStart, Pending));
            if (Pending > 0)
            {
                return false;
            }
        }

        OnDrained();
        return true;
    }

    /// <summary>Everything committed is sent (under the lock): the send clock stops and output edges are not watched.</summary>
    private void OnDrained()
    {
        engine.OnSendIdle();
        engine.WatchOutput(false); // (a field check unless output edges were being watched)
    }

    /// <summary>After a flush queued bytes (under the lock): done at once, or a wait while more than the cap is pending.</summary>
    private ValueTask<FlushResult> CompletedOrWaitOverCap()
    {
        if (Pending <= engine.MaxPendingSendBytes)
        {
            return new ValueTask<FlushResult>(default(FlushResult));
        }

        _core.Reset();
        _flushWaiting = true;
        return new ValueTask<FlushResult>(this, _core.Version);
    }

    /// <summary>
    /// send() of <paramref name="data"/> until the kernel took it all, said EAGAIN (output edges are then awaited) or
    /// failed (<see cref="_error"/> is then set); under the lock. Returns the bytes taken.
    /// </summary>
    private int SendSpan(ReadOnlySpan<byte> data)
    {
        int taken = 0;
        while (taken < data.Length)
        {
            if (!engine.CanTransfer)
            {
                _error ??= engine.ClosedError();
                break;
            }

            int sent = engine.Calls.Send(engine.Fd, data[taken..], out SocketError error);
            if (sent < 0)
            {
                if (error == SocketError.WouldBlock)
                {
                    if (!_blocked)
                    {
                        // Blocked until the kernel takes bytes again: flushes meanwhile only queue (no send() that fails
                        // again), and the send-timeout clock starts once, here, not at every flush behind it.
                        _blocked = true;
                        engine.OnSendBlocked();
                    }

                    engine.AwaitWritable();
                    break;
                }

                _error ??= engine.OnOutputFailed(new SocketException((int)error));
                break;
            }

            taken += sent;
            _blocked = false; // progress (the meter's send clock restarts with it)
            engine.OnSentBytes(sent);
        }

        return taken;
    }

    /// <summary>Room for <paramref name="needed"/> more bytes: the unsent ones moved to the front, or into a larger buffer.</summary>
    private void MakeRoom(int needed)
    {
        lock (engine.Gate)
        {
            if (_buffer is null)
            {
                _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(needed, MinimumBufferSize));
                _sendStart = _committed = _end = 0;
                return;
            }

            int kept = _end - _sendStart;
            // Move the unsent bytes to the front only when that frees at least half the buffer; else grow (doubling).
            // Compacting for every small write behind a slow peer would copy the whole backlog per write (framed (d)).
            bool compact = kept + needed <= _buffer.Length && kept <= _buffer.Length / 2;
            byte[] target = compact ? _buffer : ArrayPool<byte>.Shared.Rent(Math.Max(kept + needed, _buffer.Length * 2));
            Buffer.BlockCopy(_buffer, _sendStart, target, 0, kept);
            if (target != _buffer)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = target;
            }

            _committed -= _sendStart;
            _end = kept;
            _sendStart = 0;
        }
    }

    /// <summary>After a flush that sent everything: the buffer goes back, so an idle connection holds none.</summary>
    private void ReturnBufferIfSent()
    {
        if (_buffer is { } buffer && _end == _sendStart)
        {
            _buffer = null;
            _sendStart = _committed = _end = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
