using System.IO.Pipelines;
using System.Net.Sockets;
using Synack.Connections;
using Synack.Errors;
using Synack.Transport.Pipes;

namespace Synack.Transport.Epoll;

/// <summary>
/// The engine for async handlers and clients on epoll (issue 12, part 2): the connection's <see cref="PipeReader"/> and
/// <see cref="PipeWriter"/> are the socket itself (<see cref="DirectInput"/>, <see cref="DirectOutput"/>). A read or flush
/// that can complete does so at once with a direct recv() or send() on the caller's thread; one that must wait is resumed
/// inline by the loop thread's edge. No pumps, no pipes, no thread-pool hop: the per-message cost of an async handler
/// approaches the inline engine's (measured in docs/benchmarks.md). TLS and a PROXY header (a preamble) still run on the
/// pipes engine over <see cref="EpollSocketStream"/>.
/// </summary>
/// <remarks>
/// <code>
///  input:   Reading ──recv()==0──► Ended (FIN)          ── a local close or the reader's Complete ──► Discarding
///                     └── ECONNRESET ──► Failed (both ways: the socket is released)     (dropped until the FIN)
///  output:  Idle ──send() short──► Queued (EPOLLOUT watched; a flush waits past MaxPendingSendBytes) ──drained──► Idle
///             └── Complete ──after the queued bytes──► shutdown(SHUT_WR) = FIN
/// </code>
/// Every step runs under one lock per connection (<see cref="Gate"/>); continuations
/// run outside it. The raw descriptor is used only under the lock, after checking that the socket is open, and closed
/// under it: a closed number may already belong to another connection.
/// </remarks>
internal sealed class DirectEngine : ConnectionEngine, IEpollListener
{
    private const int SolSocket = 1; // SOL_SOCKET
    private const int SoError = 4;   // SO_ERROR: the pending error, cleared by reading it

    private readonly EpollRegistration _registration;
    private readonly DirectInput _input;
    private readonly DirectOutput _output;
    private readonly SendGate _sendLock = new();
    private PipeTryWriter? _tryWriter;
    private Task? _completeOutput;
    private TaskCompletionSource? _outputDone; // made only for a caller of CompleteOutputAsync that must wait
    private bool _inputFinished;
    private bool _outputFinished;
    private bool _socketClosed;
    private int _dispatchThread; // the loop thread's id while it runs this connection's continuations, else 0

    /// <summary>Serves <paramref name="socket"/> on <paramref name="loop"/>: non-blocking, registered at <see cref="Start"/>.</summary>
    public DirectEngine(IConnectionEvents host, Socket socket, ConnectionOptions options, TimeProvider time, EpollLoop loop)
        : base(host, socket, time)
    {
        EpollNative.SetNonBlocking(socket);
        _registration = new EpollRegistration(loop, socket, this);
        _input = new DirectInput(this);
        _output = new DirectOutput(this);
    }

    /// <summary>
    /// The connection's lock: a <see cref="Lock"/> (managed, cheaper than a monitor: the framed echo takes it three times
    /// per frame). The registration keeps its own monitor for its EPOLL_CTL calls, which are made under this one.
    /// </summary>
    public Lock Gate { get; } = new();

    public int Fd => _registration.Fd;

    /// <summary>False once the socket is closed: its descriptor number must not be used again.</summary>
    public bool CanTransfer => !_socketClosed;

    /// <summary>The loop saw the peer's FIN, a hang-up or an error: a short read does not mean the socket is drained.</summary>
    public bool InputEnding => _registration.InputEnding;

    public int MaxReadBufferSize => Options.MaxReadBufferSize;

    /// <summary>The recv()/send() seam (<see cref="SocketCalls.Native"/> outside fault tests).</summary>
    public SocketCalls Calls => Options.SocketCalls;

    public int MaxPendingSendBytes => Options.MaxPendingSendBytes;

    public override PipeReader Input => _input;

    public override PipeWriter Output => _output;

    public override SendGate SendLock => _sendLock;

    public override object? ReaderSlot { get; set; }

    public override bool TryReadExactly(Span<byte> destination) => _input.TryCopyExactly(destination);

    public override void Start() => _registration.Loop.Add(_registration);

    public override void Unregister() => _registration.Unregister();

    public override Task WhenClosed(Task completeOutput, Task closed) => Task.WhenAll(completeOutput, closed);

    public override Task CompleteOutputAsync(bool first)
    {
        if (first)
        {
            Volatile.Write(ref _completeOutput, CompleteOutputCoreAsync());
        }

        return Volatile.Read(ref _completeOutput) ?? WhenOutputFinished();
    }

    public override void OnStopRequested(bool idle)
    {
        if (idle)
        {
            _input.CancelPendingRead();
        }
    }

    public override Connections.WriteRefusal TryWrite<TState>(Action<System.Buffers.IBufferWriter<byte>, TState> write, TState state) =>
        Volatile.Read(ref _completeOutput) is not null ? Connections.WriteRefusal.Closed : (_tryWriter ??= new PipeTryWriter(_sendLock, _output)).TryWrite(write, state);

    /// <summary>True on the loop thread while it runs this connection's continuations: a flush there is deferred to the end.</summary>
    public bool IsDispatchingHere => _dispatchThread == Environment.CurrentManagedThreadId;

    void IEpollListener.OnReadable()
    {
        if (IsDiscardingInput)
        {
            lock (Gate)
            {
                DropInput();
            }

            return;
        }

        Dispatch(static e => e._input.OnEdge());
    }

    void IEpollListener.OnWritable() => Dispatch(static e => e._output.OnEdge());

    /// <summary>Runs an edge's continuations on the loop thread, then sends what their flushes deferred.</summary>
    private void Dispatch(Action<DirectEngine> edge)
    {
        _dispatchThread = Environment.CurrentManagedThreadId;
        try
        {
            edge(this);
        }
        finally
        {
            _dispatchThread = 0;
            _output.SendDeferred();
        }
    }

    void IEpollListener.OnFailure(Exception error) => Abort(CloseReason.LocalAbort);

    /// <summary>recv() returned 0 (under the lock): the peer's FIN, or a reset a concurrent send consumed; true for the FIN.</summary>
    public bool OnInputEnded(out Exception? error)
    {
        if (WasResetNotFin())
        {
            error = OnInputFailed(new SocketException((int)SocketError.ConnectionReset));
            return false;
        }

        OnRemoteFin();
        error = null;
        InputFinished();
        return true;
    }

    /// <summary>recv() failed (under the lock): the connection is dead both ways; returns the error for the reader.</summary>
    public Exception OnInputFailed(Exception e) => Fatal(Classify(e, "read"));

    /// <summary>send() failed (under the lock): the connection is dead both ways; returns the error for the writer.</summary>
    public Exception OnOutputFailed(Exception e) => Fatal(Classify(e, "write"));

    /// <summary>
    /// An input edge nobody reads (under the lock): after a hang-up or an error, a pending socket error (SO_ERROR: a reset,
    /// a keepalive timeout) ends the connection both ways now, as the pipes engine's read-ahead would find it, without
    /// consuming input the application has not asked for. (The TCP state cannot tell: a socket whose FIN went first is in
    /// CLOSE after a clean close too.)
    /// </summary>
    public void CheckResetUnread()
    {
        if (!InputEnding || _inputFinished || _socketClosed)
        {
            return;
        }

        Span<byte> value = stackalloc byte[4];
        try
        {
            if (Socket.GetRawSocketOption(SolSocket, SoError, value) == 4 && BitConverter.ToInt32(value) is int errno and not 0)
            {
                _ = OnInputFailed(new SocketException((int)Errno.ToSocketError(errno)));
            }
        }
        catch (SocketException)
        {
            // Unreadable: the next read reports the state.
        }
    }

    /// <summary>The error for a transfer on a socket already closed here.</summary>
    public Exception ClosedError() => Classify(new ObjectDisposedException(nameof(Socket)), "write");

    public void OnReceived(int count) => Meter.OnReceivedInline(count, _registration.Loop.Now(Time));

    public void OnSentBytes(int count) => Meter.OnSentInline(count, _registration.Loop.Now(Time));

    public void OnSendIdle()
    {
        if (Meter.SendBlockedSince != 0)
        {
            Meter.OnSendIdle();
        }
    }

    public void WatchOutput(bool on) => _registration.WatchOutput(on);

    /// <summary>A send() said EAGAIN: watch for output edges and re-check readiness (see <see cref="EpollRegistration.AwaitWritable"/>).</summary>
    public void AwaitWritable() => _registration.AwaitWritable();

    /// <summary>Has the loop deliver an input edge now if bytes wait in the kernel (EPOLL_CTL_MOD re-checks readiness).</summary>
    public void RearmInput() => _registration.Rearm();

    /// <summary>How many bytes input may hold past the consumed position, the reader having examined <paramref name="examined"/> of them.</summary>
    public long InputLimitFor(long examined) => InputLimit(examined);

    /// <summary>The input now holds <paramref name="held"/> unconsumed bytes (for the server's budget).</summary>
    public void OnInputHeld(long held) => AccountInput(held);

    /// <summary>The budget's pause ended: bytes may wait in the kernel, so have the loop look again.</summary>
    protected override void OnInputResumed() => RearmInput();

    /// <summary>The application completed its reader: drop the rest of the input until the peer's FIN.</summary>
    public void OnReaderCompleted()
    {
        MarkDiscardingInput();
        lock (Gate)
        {
            DropInput();
        }
    }

    /// <summary>Everything written was sent after the writer completed (under the lock): FIN.</summary>
    public void SendFin()
    {
        if (IsFinSent || _socketClosed)
        {
            return;
        }

        ShutdownOutput();
        OutputFinished();
    }

    /// <summary>Local close: a waiting read ends (as a cancelled read, later ones fail), then input is dropped until the FIN.</summary>
    protected override void OnDiscardInput()
    {
        lock (Gate)
        {
            DropInput(); // (the base class marked input discarded before this call)
        }

        _input.Close(new SynackException(ErrorKind.Closed, "read", "connection closed locally", Host.LocalEndPoint, Host.RemoteEndPoint));
    }

    /// <summary>RST: SO_LINGER 0 and close (which never blocks), then every waiting read and flush fails.</summary>
    protected override void OnAbort()
    {
        SynackException error = Classify(new ObjectDisposedException(nameof(Socket)), "read");
        lock (Gate)
        {
            if (!_socketClosed)
            {
                SocketConfigurator.SetAbortiveLinger(Socket);
                _registration.Unregister();
                Socket.Close(0);
                _registration.Close();
                _socketClosed = true;
            }

            _input.SetError(error);
            _output.SetError(OtherSide(error));
            _inputFinished = true;
            OutputFinished();
            ReleaseAccount();
            Host.OnReleased();
        }

        _input.WakeWithError();
        _output.WakeWithError();
    }

    /// <summary>A dead connection (under the lock): both directions fail; waiters are woken on the thread pool, outside the lock.</summary>
    private Exception Fatal(SynackException error)
    {
        // Each side fails with its own operation (a reset found by a read-ahead still fails the handler's send as a
        // write, as on the pipes engine); the other side's error wraps this one, so the failure is counted once.
        SynackException other = OtherSide(error);
        bool wake = _input.SetError(error.Operation == "read" ? error : other) | _output.SetError(error.Operation == "read" ? other : error);
        _inputFinished = true;
        OutputFinished();
        if (wake)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static e =>
            {
                e._input.WakeWithError();
                e._output.WakeWithError();
            }, this, preferLocal: false);
        }

        return error;
    }

    private SynackException OtherSide(SynackException error) => new(error.Kind, error.Operation == "read" ? "write" : "read",
        error.Detail, Host.LocalEndPoint, Host.RemoteEndPoint, error.SocketError, error);

    /// <summary>Reads and drops input until EAGAIN or the FIN, into a buffer on the stack (under the lock).</summary>
    private void DropInput()
    {
        Span<byte> scratch = stackalloc byte[4096];
        while (!_inputFinished && !_socketClosed)
        {
            int received = Options.SocketCalls.Receive(Fd, scratch, out SocketError error);
            if (received > 0)
            {
                continue;
            }

            if (received == 0)
            {
                _ = OnInputEnded(out _);
            }
            else if (error != SocketError.WouldBlock)
            {
                _ = OnInputFailed(new SocketException((int)error));
            }

            return;
        }
    }

    private void InputFinished()
    {
        _inputFinished = true;
        ReleaseWhenFinished();
    }

    private void OutputFinished()
    {
        _outputFinished = true;
        _outputDone?.TrySetResult(); // continuations run asynchronously: never under this lock
        ReleaseWhenFinished();
    }

    /// <summary>Both directions finished: close the socket (nothing unread remains, so no RST) and tell the connection.</summary>
    private void ReleaseWhenFinished()
    {
        if (!_inputFinished || !_outputFinished || _socketClosed)
        {
            return;
        }

        _socketClosed = true;
        _registration.Unregister();
        if (Options.Linger > TimeSpan.Zero && !IsAborted)
        {
            // close() with SO_LINGER > 0 blocks until the data is sent or the linger runs out: never on a loop thread.
            ThreadPool.UnsafeQueueUserWorkItem(static e => e.CloseSocket(), this, preferLocal: false);
            return;
        }

        CloseSocket();
    }

    private void CloseSocket()
    {
        Socket.Dispose();
        _registration.Close();
        ReleaseAccount();
        Host.OnReleased();
    }

    private Task WhenOutputFinished()
    {
        lock (Gate)
        {
            return _outputFinished ? Task.CompletedTask
                : (_outputDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    private async Task CompleteOutputCoreAsync()
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _output.Complete();
        }
        finally
        {
            _sendLock.Release();
        }

        await WhenOutputFinished().ConfigureAwait(false);
    }
}
