using System.Buffers;
using System.Net.Sockets;
using Synack.Errors;
using Synack.Server;
using Synack.Transport.Epoll;

namespace Synack.Connections;

/// <summary>
/// The inline-handler fast path on the epoll transport (see <see cref="IInlineHandler"/>): the loop thread reads into its
/// own buffer, calls the handler, and sends the reply with one send(). No pipe, no task, no per-message buffer.
/// </summary>
/// <remarks>
/// <code>
///  input:   Serving ──recv()==0──► handler.OnEndOfStream ──► Ended (the server then closes: FIN after pending output)
///              │ CloseAsync, handler finished or failed, drain at a message boundary
///              ▼
///           Discarding (bytes read and dropped until the peer's FIN, so close() never sends RST)
///  output:  Idle ──send() short──► Blocked (rest queued, EPOLLOUT watched, input not read) ──drained──► Idle
///             └── CompleteOutput ──after the queued bytes──► shutdown(SHUT_WR) = FIN
/// </code>
/// Every step runs under one per-connection lock: the loop thread's edges, and close verbs, drain and timeouts from any
/// other thread. CloseAsync and CompleteOutput called by the handler itself (same thread, lock held) take effect when it
/// returns; Abort at once. A handler acting on another connection never waits for that connection's lock (two handlers
/// doing so to each other would deadlock): if it is busy, the verb completes on the thread pool. The lock
/// is the monitor of the connection's epoll registration (internal, never exposed, and the one its own EPOLL_CTL calls
/// take), so an idle connection carries no lock object of its own.
/// </remarks>
public sealed partial class Connection : IEpollListener
{
    private readonly IInlineHandler? _inlineHandler;
    private bool _inlineStarted;
    private bool _inlineHandlerEnded;
    private TaskCompletionSource? _inlineOutputDone; // created only for a caller of CompleteOutputAsync
    private bool _inlineInputFinished;
    private bool _inlineOutputFinished;
    private byte[]? _unconsumed;
    private int _unconsumedLength;
    private byte[]? _queuedOutput;
    private int _queuedStart;
    private int _queuedEnd;
    private bool _inlineDiscarding;
    private bool _inlineInputEnded;
    private bool _inlineFinPending;
    private bool _inlineReadDeferred;
    private bool _inlineServing;
    private bool _inlineInHandler;

    /// <summary>
    /// Set, under the lock, when the socket is closed. recv() and send() here take the raw descriptor (no SafeHandle
    /// reference per call, as the C yardstick), which is safe only because the descriptor is closed under the same lock
    /// and every call checks this first: a closed number may already belong to another connection.
    /// </summary>
    private bool _inlineSocketClosed;

    /// <summary>The connection's lock on the inline path: its registration's monitor (see the remarks).</summary>
    private object InlineGate => _epoll!;

    /// <summary>True when an <see cref="IInlineHandler"/> is served on the epoll loop (no pipes).</summary>
    internal bool IsInline => _inlineHandler is not null;

    /// <summary>The server that serves this connection: told when the inline handler is done and when the socket is released.</summary>
    internal IConnectionOwner? Owner { get; set; }

    private InvalidOperationException InlineOnly(string what) =>
        new($"{what} is not available on {this}: it is served by an IInlineHandler, which writes to the output it is given");

    private void StartInline()
    {
        _inlineStarted = true;
        StartWatchdog();
        if (!TryEnterGate())
        {
            // Started by another connection's handler while this new one's lock is taken (by its own first edge): never
            // wait for a lock on a loop thread, as everywhere on this path.
            ThreadPool.UnsafeQueueUserWorkItem(static c => c.StartInline(), this, preferLocal: false);
            return;
        }

        try
        {
            // Made in the constructor, so an edge delivered at once, or an abort from the handler, finds it; an edge waits
            // for this lock, so the handler hears of the connection before any input.
            _epoll!.Loop.Add(_epoll);
            Connected();
        }
        finally
        {
            ExitGate();
        }
    }

    /// <summary>
    /// <see cref="IInlineHandler.OnConnected"/>, under the lock: its output is sent at once. A thread that is in another
    /// connection's handler (holding its lock) may be using its own buffers, so it writes into a fresh one.
    /// </summary>
    private void Connected()
    {
        InlineOutput output = t_gatesHeld > 1 ? new InlineOutput() : InlineBuffers.Current.Output;
        if (TryCallHandler(static (handler, c, o) => handler.OnConnected(c, o), output))
        {
            SendOutput(output);
            TrySendFin();
        }
    }

    /// <summary>
    /// Calls the handler outside the per-message path (<see cref="IInlineHandler.OnConnected"/>,
    /// <see cref="IInlineHandler.OnEndOfStream"/>); false if it threw, which <see cref="HandlerFailed"/> has then handled.
    /// </summary>
    private bool TryCallHandler(Action<IInlineHandler, Connection, InlineOutput> call, InlineOutput output)
    {
        _inlineInHandler = true;
        try
        {
            call(_inlineHandler!, this, output);
            return true;
        }
        catch (Exception e)
        {
            _inlineInHandler = false;
            HandlerFailed(e, output);
            return false;
        }
        finally
        {
            _inlineInHandler = false;
        }
    }

    /// <summary>The peer's FIN was read, or the connection failed: input is finished. Under the lock.</summary>
    private void InputFinished()
    {
        _inlineInputEnded = true;
        _inlineInputFinished = true;
        ReleaseWhenFinished();
    }

    /// <summary>The FIN was handed to the kernel, or the connection failed: output is finished. Under the lock.</summary>
    private void OutputFinished()
    {
        _inlineOutputFinished = true;
        _inlineOutputDone?.TrySetResult();
        ReleaseWhenFinished();
    }

    /// <summary>Both directions finished: close the socket (nothing unread remains, so no RST) and complete <see cref="Closed"/>.</summary>
    private void ReleaseWhenFinished()
    {
        if (_inlineInputFinished && _inlineOutputFinished)
        {
            ReleaseSocket(); // idempotent
        }
    }

    /// <summary>How many connection locks this thread holds (a loop thread serving one, plus any it re-entered).</summary>
    [ThreadStatic]
    private static int t_gatesHeld;

    /// <summary>True when this thread holds some connection's lock: user callbacks must not run here.</summary>
    private static bool HoldsAnyGate => t_gatesHeld > 0;

    /// <summary>
    /// Takes this connection's lock. A thread that already holds another connection's lock (a handler acting on a
    /// different connection: closing it, aborting it) never waits for this one, since two handlers doing that to each
    /// other would deadlock their loop threads: it gets false and must hand the work to the thread pool instead.
    /// </summary>
    private bool TryEnterGate()
    {
        object gate = InlineGate;
        if (t_gatesHeld > 0 && !Monitor.IsEntered(gate))
        {
            if (!Monitor.TryEnter(gate))
            {
                return false;
            }
        }
        else
        {
            Monitor.Enter(gate);
        }

        t_gatesHeld++;
        return true;
    }

    private void ExitGate()
    {
        t_gatesHeld--;
        Monitor.Exit(InlineGate);
    }

    /// <summary>Runs <paramref name="action"/> under the lock: now if <see cref="TryEnterGate"/> allows, else on the thread pool.</summary>
    private void UnderGate(Action<Connection> action)
    {
        if (!TryEnterGate())
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Connection.UnderGate(s.Action), (Connection: this, Action: action), preferLocal: false);
            return;
        }

        try
        {
            action(this);
        }
        finally
        {
            ExitGate();
        }
    }

    void IEpollListener.OnReadable() => UnderGate(static c => c.ServeInput());

    void IEpollListener.OnWritable() => UnderGate(static c =>
    {
        if (c._queuedOutput is null || !c.SendQueued())
        {
            return;
        }

        c.TrySendFin();
        if (c._inlineReadDeferred)
        {
            c._inlineReadDeferred = false;
            c.ServeInput();
        }
    });

    void IEpollListener.OnFailure(Exception error) => AbortCore(CloseReason.LocalAbort);

    /// <summary>Reads until EAGAIN (edges do not repeat), handing each batch to the handler. Under the lock.</summary>
    private void ServeInput()
    {
        if (_inlineServing)
        {
            return; // re-entered by a close verb the handler called: the outer call carries on
        }

        _inlineServing = true;
        try
        {
            ServeInputCore();
        }
        catch (ObjectDisposedException)
        {
            // Aborted meanwhile (the socket is closed): the abort completed everything.
        }
        finally
        {
            _inlineServing = false;
        }
    }

    private void ServeInputCore()
    {
        while (!_inlineInputEnded && Volatile.Read(ref _aborted) == 0)
        {
            if (_inlineDiscarding)
            {
                DiscardInput(); // the handler has ended (closed, failed, drained): drop the rest until the FIN
                return;
            }

            if (_queuedOutput is not null)
            {
                // Backpressure: the peer is not reading our replies. Leave its input in the kernel (TCP flow control slows
                // it) and read on once the queued reply is sent.
                _inlineReadDeferred = true;
                return;
            }

            // Fetched only on the way to the handler: a thread that merely discards (a drain, a timeout, another
            // connection's handler) must not touch, or make, this thread's buffers.
            InlineBuffers buffers = InlineBuffers.Current;
            byte[] buffer = buffers.Read;
            int offset = 0;
            if (_unconsumedLength > 0)
            {
                buffer = UnconsumedWithSpace();
                offset = _unconsumedLength;
            }

            int space = buffer.Length - offset;
            if (_inlineSocketClosed)
            {
                return; // aborted meanwhile: the abort completed everything
            }

            int received = EpollNative.Receive(_epoll!.Fd, buffer.AsSpan(offset), out SocketError error);
            if (error != SocketError.Success)
            {
                if (error != SocketError.WouldBlock)
                {
                    FailInline(new SocketException((int)error), "read");
                }

                return;
            }

            if (received == 0)
            {
                OnInputEnded(buffers.Output);
                return;
            }

            OnReceivedInline(received);
            Handle(buffer, offset + received, buffers.Output);

            // A read that did not fill the buffer emptied the socket, unless the peer's FIN or an error is pending (recv
            // reports those only when called again): wait for the next edge.
            if (received < space && !_epoll!.InputEnding)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Reads and drops input until EAGAIN or the peer's FIN, into a buffer on the stack: this runs on whatever thread
    /// closes the connection (a handler closing another connection, a drain, a timeout), whose own read buffer may be in
    /// use by the handler that called it, and should cost that thread nothing.
    /// </summary>
    private void DiscardInput()
    {
        Span<byte> scratch = stackalloc byte[4096];
        while (!_inlineInputEnded && !_inlineSocketClosed)
        {
            int received = EpollNative.Receive(_epoll!.Fd, scratch, out SocketError error);
            if (error != SocketError.Success)
            {
                if (error != SocketError.WouldBlock)
                {
                    FailInline(new SocketException((int)error), "read");
                }

                return;
            }

            if (received == 0)
            {
                OnInputEnded(output: null);
                return;
            }

            if (received < scratch.Length && !_epoll.InputEnding)
            {
                return;
            }
        }
    }

    /// <summary>Calls the handler with <paramref name="length"/> bytes of <paramref name="buffer"/>, keeps what it left, sends its reply.</summary>
    private void Handle(byte[] buffer, int length, InlineOutput output)
    {
        long consumed;
        bool outputClosed = _inlineFinPending; // CompleteOutput was called by an earlier call: this one's writes are dropped
        _inlineInHandler = true;
        try
        {
            consumed = _inlineHandler!.OnReceived(this, new ReadOnlySequence<byte>(buffer, 0, length), output);
            if ((ulong)consumed > (ulong)length)
            {
                throw new InvalidOperationException($"{_inlineHandler.GetType().Name}.OnReceived consumed {consumed} of the {length} byte(s) it was given");
            }
        }
        catch (Exception e)
        {
            _inlineInHandler = false;
            HandlerFailed(e, output);
            return;
        }
        finally
        {
            _inlineInHandler = false;
        }

        if (Volatile.Read(ref _aborted) != 0 || outputClosed)
        {
            output.Reset(); // the handler aborted, or the output was completed before this call: nothing more goes out
        }

        if (Volatile.Read(ref _aborted) != 0)
        {
            DropUnconsumed();
            return;
        }

        if (_inlineDiscarding)
        {
            DropUnconsumed(); // the handler closed the connection: what it left is dropped, its reply still goes out
        }
        else
        {
            KeepUnconsumed(buffer, (int)consumed, length);
            if (_unconsumedLength >= Options.MaxReadBufferSize)
            {
                HandlerFailed(new SynackException(ErrorKind.LimitExceeded, "read",
                    $"the handler left {_unconsumedLength} byte(s) unconsumed, the MaxReadBufferSize limit", LocalEndPoint, RemoteEndPoint), output);
                return;
            }
        }

        SendOutput(output);
        TrySendFin();
        if (_unconsumedLength == 0 && IsStopRequested)
        {
            EndHandler(); // the server drains: this connection is at a message boundary
        }
    }

    /// <summary>The peer's FIN (or a reset reported as end-of-stream): the handler hears of it, then input is done.</summary>
    private void OnInputEnded(InlineOutput? output)
    {
        if (WasResetNotFin())
        {
            FailInline(new SocketException((int)SocketError.ConnectionReset), "read");
            return;
        }

        OnRemoteFin();
        _inlineInputEnded = true;
        if (!_inlineDiscarding && output is not null)
        {
            if (!TryCallHandler(static (handler, c, o) => handler.OnEndOfStream(c, new ReadOnlySequence<byte>(c._unconsumed ?? [], 0, c._unconsumedLength), o), output))
            {
                InputFinished();
                return;
            }

            if (Volatile.Read(ref _aborted) == 0)
            {
                SendOutput(output);
                TrySendFin();
            }

            output.Reset();
            EndHandler();
        }

        InputFinished();
    }

    /// <summary>
    /// A handler threw: bad input (<see cref="ErrorKind.ProtocolError"/>, <see cref="ErrorKind.LimitExceeded"/>) aborts at
    /// once, as the frame helpers do (what it wrote is dropped: the RST would discard it anyway); another
    /// <see cref="SynackException"/> sends what was written and ends the handler (the server closes gracefully); anything
    /// else is a bug: the connection is aborted and the server reports it. The pipes adapter does the same.
    /// </summary>
    private void HandlerFailed(Exception e, InlineOutput output)
    {
        if (e is SynackException error)
        {
            if (error.Kind is ErrorKind.ProtocolError or ErrorKind.LimitExceeded)
            {
                AbortOnBadInput(error.Kind);
            }
            else if (Volatile.Read(ref _aborted) == 0)
            {
                SendOutput(output);
            }

            output.Reset();
            EndHandler();
            return;
        }

        output.Reset();
        EndHandler(e);
        AbortCore(CloseReason.LocalAbort);
    }

    /// <summary>The socket failed (reset, broken pipe): the connection is dead both ways; the close reason says why.</summary>
    private void FailInline(SocketException e, string operation)
    {
        _ = ClassifyPumpError(e, operation);
        EndHandler();
        DropQueuedOutput();
        OutputFinished();
        InputFinished(); // both finished: the socket is released
    }

    /// <summary>The handler will not be called again: later input is discarded; the server closes the connection.</summary>
    private void EndHandler(Exception? fault = null)
    {
        _inlineDiscarding = true;
        DropUnconsumed();
        if (_inlineStarted && !_inlineHandlerEnded)
        {
            _inlineHandlerEnded = true;
            Owner?.OnHandlerDone(this, fault);
        }
    }

    /// <summary>
    /// For an inline handler over pipes: a message completed (<paramref name="consumedAny"/>) restarts the frame clock,
    /// and <paramref name="unconsumed"/> bytes left over start it, as the frame helpers do for an incomplete frame.
    /// </summary>
    internal void OnInlineConsumed(bool consumedAny, long unconsumed)
    {
        if (consumedAny && Volatile.Read(ref _frameStartedAt) != 0)
        {
            Interlocked.Exchange(ref _frameStartedAt, 0);
        }

        if (unconsumed > 0)
        {
            OnFrameIncomplete(unconsumed);
        }
    }

    /// <summary>Keeps the bytes after <paramref name="consumed"/> for the next call, and runs the frame clock while any are kept.</summary>
    private void KeepUnconsumed(byte[] buffer, int consumed, int length)
    {
        int left = length - consumed;
        OnInlineConsumed(consumed > 0, left);
        if (left == 0)
        {
            DropUnconsumed();
            return;
        }

        if (buffer == _unconsumed)
        {
            Buffer.BlockCopy(buffer, consumed, buffer, 0, left);
        }
        else
        {
            if (_unconsumed is null || _unconsumed.Length < left)
            {
                ReturnUnconsumed();
                _unconsumed = ArrayPool<byte>.Shared.Rent(Math.Max(left * 2, 4096));
            }

            Buffer.BlockCopy(buffer, consumed, _unconsumed, 0, left);
        }

        _unconsumedLength = left;
    }

    /// <summary>The unconsumed buffer with room to read into: grown (doubling) when full, up to MaxReadBufferSize.</summary>
    private byte[] UnconsumedWithSpace()
    {
        byte[] current = _unconsumed!;
        if (_unconsumedLength < current.Length)
        {
            return current;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Min(current.Length * 2, Options.MaxReadBufferSize));
        Buffer.BlockCopy(current, 0, larger, 0, _unconsumedLength);
        ArrayPool<byte>.Shared.Return(current);
        _unconsumed = larger;
        return larger;
    }

    private void DropUnconsumed()
    {
        _unconsumedLength = 0;
        if (!_inlineInHandler)
        {
            ReturnUnconsumed(); // (while the handler runs it may be reading that buffer: Handle drops it afterwards)
        }
    }

    private void ReturnUnconsumed()
    {
        if (_unconsumed is { } buffer)
        {
            _unconsumed = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends the handler's reply at once; what the kernel does not take is queued and the socket watched for output.</summary>
    private void SendOutput(InlineOutput output)
    {
        if (output.IsEmpty)
        {
            return;
        }

        SendInline(output.Written);
        output.Reset();
    }

    /// <summary>
    /// Sends <paramref name="data"/> after anything queued (so replies and heartbeats never interleave: each is whole in
    /// the stream); dropped after CompleteOutput or an abort, when there is no stream left to carry it. Under the lock.
    /// </summary>
    private void SendInline(ReadOnlySpan<byte> data)
    {
        if (Volatile.Read(ref _finSent) != 0 || Volatile.Read(ref _aborted) != 0)
        {
            return;
        }

        if (_queuedOutput is null && !_inlineSocketClosed)
        {
            int sent = EpollNative.Send(_epoll!.Fd, data, out SocketError error);
            if (error == SocketError.Success)
            {
                OnSentInline(sent);
                data = data[sent..];
            }
            else if (error != SocketError.WouldBlock)
            {
                FailInline(new SocketException((int)error), "write");
                return;
            }
        }

        if (!data.IsEmpty)
        {
            Queue(data);
        }
    }

    /// <summary>
    /// An application heartbeat on the inline path (<see cref="ConnectionOptions.Heartbeat"/>): sent between handler
    /// calls, after any queued reply, unless the output is finishing. From the heartbeat timer's thread.
    /// </summary>
    private void SendHeartbeatInline(ReadOnlyMemory<byte> payload) => UnderGate(c =>
    {
        if (c._inlineStarted && !c._inlineFinPending && !c._inlineSocketClosed)
        {
            c.SendInline(payload.Span);
        }
    });

    private void Queue(ReadOnlySpan<byte> data)
    {
        if (_queuedOutput is null)
        {
            _queuedOutput = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 4096));
            _queuedStart = _queuedEnd = 0;
        }
        else if (_queuedOutput.Length - _queuedEnd < data.Length)
        {
            int pending = _queuedEnd - _queuedStart;
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(pending + data.Length, _queuedOutput.Length));
            Buffer.BlockCopy(_queuedOutput, _queuedStart, larger, 0, pending);
            ArrayPool<byte>.Shared.Return(_queuedOutput);
            _queuedOutput = larger;
            _queuedStart = 0;
            _queuedEnd = pending;
        }

        data.CopyTo(_queuedOutput.AsSpan(_queuedEnd));
        _queuedEnd += data.Length;
        OnSendBlocked();
        _epoll!.WatchOutput(true); // EPOLL_CTL_MOD re-checks readiness: space freed since the short send is not missed
    }

    /// <summary>Sends queued output; true once all of it is sent. Under the lock.</summary>
    private bool SendQueued()
    {
        try
        {
            while (_queuedOutput is not null && !_inlineSocketClosed)
            {
                int sent = EpollNative.Send(_epoll!.Fd, _queuedOutput.AsSpan(_queuedStart, _queuedEnd - _queuedStart), out SocketError error);
                if (error != SocketError.Success)
                {
                    if (error != SocketError.WouldBlock)
                    {
                        FailInline(new SocketException((int)error), "write");
                    }

                    return false;
                }

                OnSentInline(sent);
                _queuedStart += sent;
                if (_queuedStart == _queuedEnd)
                {
                    DropQueuedOutput();
                    _epoll!.WatchOutput(false);
                    OnSendIdle();
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return false; // aborted meanwhile
        }

        return _queuedOutput is null;
    }

    private void DropQueuedOutput()
    {
        if (_queuedOutput is { } buffer)
        {
            _queuedOutput = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends FIN once asked to (<see cref="CompleteOutput"/>), nothing is queued and no handler call is writing.</summary>
    private void TrySendFin()
    {
        if (!_inlineFinPending || _queuedOutput is not null || _inlineInHandler || Volatile.Read(ref _finSent) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _finSent, 1);
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset or aborted meanwhile: the close reason already says so.
        }

        OutputFinished();
    }

    /// <summary>Inline <see cref="CompleteOutputAsync"/>: FIN after whatever is queued (and after the reply being written, if called by the handler).</summary>
    private Task CompleteOutputInline()
    {
        if (!TryEnterGate())
        {
            // Called by another connection's handler while this connection's lock is busy: finish on the thread pool.
            return Task.Factory.StartNew(CompleteOutputInline, CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default).Unwrap();
        }

        try
        {
            _inlineFinPending = true;
            if (!_inlineStarted)
            {
                return Task.CompletedTask; // not started: nothing to send
            }

            TrySendFin();
            return _inlineOutputFinished ? Task.CompletedTask
                : (_inlineOutputDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        finally
        {
            ExitGate();
        }
    }

    /// <summary>Inline <see cref="BeginDiscardInput"/>: the handler is done; read and drop input until the peer's FIN.</summary>
    private void DiscardInputInline() => UnderGate(static c =>
    {
        c.EndHandler();
        if (c._inlineStarted)
        {
            c.ServeInput();
        }
    });

    /// <summary>Inline <see cref="RequestStop"/>: a connection at a message boundary ends its handler now, others after their message.</summary>
    private void RequestStopInline() => UnderGate(static c =>
    {
        if (c._unconsumedLength == 0 && !c._inlineInHandler)
        {
            c.EndHandler();
        }
    });

    /// <summary>
    /// Inline abort, under the lock (the raw descriptor is used only under it): RST and close (SO_LINGER 0 never blocks),
    /// then everything completes and the buffers go back.
    /// </summary>
    private void AbortInline() => UnderGate(static c =>
    {
        c.CloseAbortively();
        c._inlineSocketClosed = true;
        c._inlineInputEnded = true;
        c.EndHandler();
        c.DropQueuedOutput();
        c.OutputFinished();
        c.InputFinished(); // both finished: the socket is released
    });
}
