using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Synack.Connections;
using Synack.Errors;
using Synack.Server;

namespace Synack.Transport.Epoll;

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
internal sealed partial class InlineEngine : ConnectionEngine, IEpollListener
{
    private readonly IInlineHandler _handler;
    private readonly EpollRegistration _registration;
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
    private volatile bool _stopRequested;
    private bool _inlineOnClosedDue; // OnConnected was called and OnClosed not yet: set and cleared under the lock

    /// <summary>
    /// Set, under the lock, when the socket is closed. recv() and send() here take the raw descriptor (no SafeHandle
    /// reference per call, as the C yardstick), which is safe only because the descriptor is closed under the same lock
    /// and every call checks this first: a closed number may already belong to another connection.
    /// </summary>
    private bool _inlineSocketClosed;

    /// <summary>
    /// Serves <paramref name="handler"/> for <paramref name="connection"/> on <paramref name="loop"/>: the socket becomes
    /// non-blocking; its registration is made here (so an edge delivered at once, or an abort from the handler, finds it)
    /// and added to the loop at <see cref="Start"/>.
    /// </summary>
    public InlineEngine(Connection connection, Socket socket, ConnectionOptions options, TimeProvider time, EpollLoop loop, IInlineHandler handler)
        : base(connection, socket, time)
    {
        EpollNative.SetNonBlocking(socket);
        _handler = handler;
        _registration = new EpollRegistration(loop, socket, this);
    }

    public override bool IsInline => true;

    /// <summary>The connection the handler is given: the host itself (the constructor takes it as a Connection), read without a cast.</summary>
    private Connection Connection => Unsafe.As<Connection>(Host);

    /// <summary>The connection's lock on the inline path: its registration's monitor (see the remarks).</summary>
    private object InlineGate => _registration;

    public override void Start()
    {
        _inlineStarted = true;
        if (!TryEnterGate())
        {
            // Started by another connection's handler while this new one's lock is taken (by its own first edge): never
            // wait for a lock on a loop thread, as everywhere on this path.
            ThreadPool.UnsafeQueueUserWorkItem(static e => e.Start(), this, preferLocal: false);
            return;
        }

        try
        {
            // Made in the constructor, so an edge delivered at once, or an abort from the handler, finds it; an edge waits
            // for this lock, so the handler hears of the connection before any input.
            _registration.Loop.Add(_registration);
            Connected();
        }
        finally
        {
            ExitGate();
        }
    }

    public override Task WhenClosed(Task completeOutput, Task closed) =>
        Task.WhenAll(completeOutput, closed); // no pumps: the socket is released once both directions finish, completing Closed

    public override void Unregister() => _registration.Unregister();

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

    /// <summary>Both directions finished: close the socket (nothing unread remains, so no RST) and complete <see cref="Connection.Closed"/>.</summary>
    private void ReleaseWhenFinished()
    {
        if (_inlineInputFinished && _inlineOutputFinished)
        {
            ReleaseSocket(); // idempotent
        }
    }

    private void ReleaseSocket()
    {
        if (Options.Linger > TimeSpan.Zero && !IsAborted)
        {
            // close() with SO_LINGER > 0 blocks until the data is sent or the linger runs out, and here it would run on an
            // epoll loop thread, stalling every connection of that loop: close on the thread pool instead.
            _registration.Unregister();
            ThreadPool.UnsafeQueueUserWorkItem(static e => e.ReleaseSocketCore(), this, preferLocal: false);
            return;
        }

        ReleaseSocketCore();
    }

    /// <summary>Both directions are finished (or the socket was aborted): nothing unread remains, so close() sends no RST.</summary>
    private void ReleaseSocketCore()
    {
        // The raw descriptor is used only under the lock, after checking this flag: once it is set, close() may run
        // outside the lock (with SO_LINGER > 0 it blocks, and must not hold up the loop thread's next edge).
        bool onClosedDue;
        lock (InlineGate)
        {
            DropUnconsumed();
            DropQueuedOutput();
            _inlineSocketClosed = true;
            onClosedDue = _inlineOnClosedDue; // this runs more than once (ReleaseSocket is idempotent): OnClosed once
            _inlineOnClosedDue = false;
        }

        _registration.Unregister();
        Socket.Dispose();
        _registration.Close();
        ReleaseAccount();
        Host.OnReleased();
        if (onClosedDue)
        {
            NotifyClosed(); // after OnReleased: the close reason is final
        }
    }

    void IEpollListener.OnReadable() => UnderGate(static c => c.ServeInput());

    /// <summary>The budget's pause ended: have the loop deliver an input edge if bytes wait in the kernel.</summary>
    protected override void OnInputResumed() => _registration.Rearm();

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

    void IEpollListener.OnFailure(Exception error) => Abort(CloseReason.LocalAbort);

    public override Task CompleteOutputAsync(bool first) => CompleteOutputInline(); // idempotent: every caller gets the task of the FIN itself

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

    /// <summary>Local close: the handler is done; read and drop input until the peer's FIN.</summary>
    protected override void OnDiscardInput() => UnderGate(static c =>
    {
        c.EndHandler();
        if (c._inlineStarted)
        {
            c.ServeInput();
        }
    });

    /// <summary>The server drains: a connection at a message boundary ends its handler now, others after their message.</summary>
    public override void OnStopRequested(bool idle)
    {
        _stopRequested = true;
        UnderGate(static c =>
        {
            if (c._unconsumedLength == 0 && !c._inlineInHandler)
            {
                c.EndHandler();
            }
        });
    }

    /// <summary>
    /// Inline abort, under the lock (the raw descriptor is used only under it): RST and close (SO_LINGER 0 never blocks),
    /// then everything completes and the buffers go back.
    /// </summary>
    protected override void OnAbort() => UnderGate(static c =>
    {
        // Close(0) is .NET's abortive close (see the pipes engine's).
        SocketConfigurator.SetAbortiveLinger(c.Socket);
        c._registration.Unregister();
        c.Socket.Close(0);
        c._registration.Close();
        c._inlineSocketClosed = true;
        c._inlineInputEnded = true;
        c.EndHandler();
        c.DropQueuedOutput();
        c.OutputFinished();
        c.InputFinished(); // both finished: the socket is released
    });
}
