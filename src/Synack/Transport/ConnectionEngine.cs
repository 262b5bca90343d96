using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Authentication;
using Synack.Connections;
using Synack.Errors;

namespace Synack.Transport;

/// <summary>
/// What moves one connection's bytes: the engine beneath a <see cref="Connection"/>, which holds exactly one (Kestrel's
/// SocketConnection beneath its ConnectionContext, Go's netFD beneath its conn, Netty's Unsafe beneath its Channel).
/// The engines are the pipes engine (<see cref="Pipes.PipesEngine"/>, over the runtime's sockets or epoll readiness,
/// with TLS as an adapter) and the inline epoll engine (<see cref="Epoll.InlineEngine"/>); <see cref="EngineChoice"/>
/// picks one. An engine talks back only through <see cref="IConnectionEvents"/>.
/// </summary>
/// <remarks>
/// The state every engine shares lives here: the socket, the clock, the counters (<see cref="Meter"/>), and the three
/// one-way flags of the socket's life (aborted, FIN sent, input discarded), each set once.
/// </remarks>
internal abstract class ConnectionEngine
{
    /// <summary>How many connection locks this thread holds (a loop thread serving one, plus any it re-entered).</summary>
    [ThreadStatic]
    protected static int t_locksHeld;

    private const int Aborted = 1, FinSent = 2, DiscardingInput = 4;

    // The three one-way flags in one word (an idle connection's memory is a measured target, docs/benchmarks.md).
    private int _flags;

    /// <summary>The counters and clocks the watchdog reads; a field, so engines update it without a call.</summary>
    public TrafficMeter Meter;

    /// <summary>
    /// The length of the frame being read, from its first byte (the reader's consumed position), once a decoder accepted its
    /// header (<see cref="Framing.IFrameLengthDecoder{T}"/>); 0 while the input is unjudged. Written by the frame helpers
    /// (a field write, no call), read by the engine when it decides how far to read ahead (<see cref="InputLimit"/>).
    /// </summary>
    public long AcceptedFrameLength;

    private readonly BufferBudget? _budget;
    private long _bufferedInput;  // what this connection has added to the server's budget for input, and for output
    private long _bufferedOutput;
    private int _accountReleased;
    private int _inputPaused;     // 1 while the server's budget holds this connection's reading (see PauseInput)

    protected ConnectionEngine(IConnectionEvents host, Socket socket, TimeProvider time)
    {
        Host = host;
        Socket = socket;
        Time = time;
        _budget = host.Budget;
    }

    /// <summary>Bytes this connection holds now, as last reported to the server's budget: input not consumed plus output not sent.</summary>
    public long BufferedBytes => Volatile.Read(ref _bufferedInput) + Volatile.Read(ref _bufferedOutput);

    /// <summary>True while the server's budget holds this connection's reading.</summary>
    public bool IsInputPaused => Volatile.Read(ref _inputPaused) != 0;

    /// <summary>
    /// The server is over its budget (<see cref="Server.ServerOptions.MaxBufferedBytes"/>) and this connection holds one of
    /// the largest buffers: stop reading the socket (the bytes wait in the kernel) until <paramref name="paused"/> is false.
    /// </summary>
    public void PauseInput(bool paused)
    {
        if (Interlocked.Exchange(ref _inputPaused, paused ? 1 : 0) != (paused ? 1 : 0) && !paused)
        {
            OnInputResumed();
        }
    }

    /// <summary>Reading may go on after <see cref="PauseInput"/>: the engine looks at the socket again.</summary>
    protected abstract void OnInputResumed();

    /// <summary>
    /// How many bytes input may hold, counted from the reader's consumed position, when the reader has examined
    /// <paramref name="examined"/> of them: one read (<see cref="ConnectionOptions.MaxUnjudgedBytes"/>) past what it
    /// examined, or the whole frame whose header a decoder accepted, never past <see cref="ConnectionOptions.MaxReadBufferSize"/>;
    /// 0 while the budget pauses the connection.
    /// </summary>
    protected long InputLimit(long examined)
    {
        if (Volatile.Read(ref _inputPaused) != 0)
        {
            return 0;
        }

        ConnectionOptions options = Options;
        long limit = Math.Max(examined + options.MaxUnjudgedBytes, Volatile.Read(ref AcceptedFrameLength));
        return Math.Min(limit, options.MaxReadBufferSize);
    }

    /// <summary>Reports the input held now (received, not consumed) to the server's budget: one interlocked add per batch, when it changed.</summary>
    protected void AccountInput(long buffered) => Account(ref _bufferedInput, buffered);

    /// <summary>Reports the output pending now (queued, not yet accepted by the kernel) to the server's budget.</summary>
    protected void AccountOutput(long pending) => Account(ref _bufferedOutput, pending);

    /// <summary>The socket is released: what this connection still counted goes back to the budget, and so does any later report.</summary>
    protected void ReleaseAccount()
    {
        if (_budget is { } budget && Interlocked.Exchange(ref _accountReleased, 1) == 0)
        {
            budget.Add(-Interlocked.Exchange(ref _bufferedInput, 0) - Interlocked.Exchange(ref _bufferedOutput, 0));
        }
    }

    private void Account(ref long reported, long now)
    {
        if (_budget is not { } budget || Volatile.Read(ref reported) == now)
        {
            return; // (unchanged, the common case: an echo that consumes all it read reports 0 after 0, with no locked instruction)
        }

        long before = Interlocked.Exchange(ref reported, now);
        if (before != now)
        {
            budget.Add(now - before);
        }

        if (Volatile.Read(ref _accountReleased) != 0)
        {
            budget.Add(-Interlocked.Exchange(ref reported, 0)); // a report that raced the release: undone (the deltas telescope to 0)
        }
    }

    /// <summary>True when this thread holds some connection's lock: application callbacks must not run here.</summary>
    public static bool HoldsAnyLock => t_locksHeld > 0;

    public Socket Socket { get; }

    public TimeProvider Time { get; }

    /// <summary>The connection's options (the host's: one reference per connection, not two).</summary>
    protected ConnectionOptions Options => Host.Options;

    protected IConnectionEvents Host { get; }

    /// <summary>True once the socket was aborted (RST): nothing more moves.</summary>
    public bool IsAborted => (Volatile.Read(ref _flags) & Aborted) != 0;

    /// <summary>True once FIN was handed to the kernel.</summary>
    protected bool IsFinSent => (Volatile.Read(ref _flags) & FinSent) != 0;

    /// <summary>True once input is being discarded (a local close): bytes are read and dropped until the peer's FIN.</summary>
    protected bool IsDiscardingInput => (Volatile.Read(ref _flags) & DiscardingInput) != 0;

    /// <summary>True for the inline engine: the server hears of the handler through <see cref="IConnectionEvents"/>, not a task.</summary>
    public virtual bool IsInline => false;

    /// <summary>The received bytes, or null for an engine without pipes.</summary>
    public virtual PipeReader? Input => null;

    /// <summary>The bytes to send, or null for an engine without pipes.</summary>
    public virtual PipeWriter? Output => null;

    /// <summary>Serializes whole sends on <see cref="Output"/>, or null for an engine without pipes.</summary>
    public virtual SendGate? SendLock => null;

    /// <summary>
    /// ReadExactlyAsync's fast path: copies exactly <paramref name="destination"/>'s length of buffered input, or returns
    /// false (too few bytes, a cancel, an error, the end of the stream) and consumes nothing. Over <see cref="Input"/>
    /// here; an engine that owns its buffer does it under one lock (<see cref="Epoll.DirectEngine"/>).
    /// </summary>
    public virtual bool TryReadExactly(Span<byte> destination)
    {
        PipeReader? input = Input;
        if (input is null || !input.TryRead(out ReadResult result))
        {
            return false;
        }

        ReadOnlySequence<byte> buffer = result.Buffer;
        if (result.IsCanceled || buffer.Length < destination.Length)
        {
            input.AdvanceTo(buffer.Start); // nothing consumed or examined: the full path reads the same bytes again
            return false;
        }

        ReadOnlySequence<byte> frame = buffer.Slice(0, destination.Length);
        frame.CopyTo(destination);
        input.AdvanceTo(frame.End);
        return true;
    }

    /// <summary>
    /// A helper object the connection keeps per connection (ReadExactlyAsync's reader), on the engines that have pipes; the
    /// inline engine has no slot, so its connections (≤ 1 KiB idle, docs/benchmarks.md) do not carry the field.
    /// </summary>
    public virtual object? ReaderSlot { get => null; set { } }

    /// <summary>The negotiated TLS protocol, or null without TLS.</summary>
    public virtual SslProtocols? TlsProtocol => null;

    /// <summary>The server name the client asked for (SNI), or null.</summary>
    public virtual string? TlsServerName => null;

    /// <summary>Applies the connection's socket options (NoDelay, keepalive, buffers, linger), before <see cref="Start"/>.</summary>
    public void Configure() => SocketConfigurator.Apply(Socket, Options);

    /// <summary>Starts moving bytes (the socket is configured and the watchdog armed).</summary>
    public abstract void Start();

    /// <summary>Half-close: FIN after what is queued. <paramref name="first"/> is true for the first call on the connection.</summary>
    public abstract Task CompleteOutputAsync(bool first);

    /// <summary>What a graceful close waits for: <paramref name="completeOutput"/> and both directions finished.</summary>
    public abstract Task WhenClosed(Task completeOutput, Task closed);

    /// <summary>Stops delivering input (once): later bytes are read and dropped until the peer's FIN, so close() never sends RST.</summary>
    public void DiscardInput()
    {
        if ((Interlocked.Or(ref _flags, DiscardingInput) & DiscardingInput) == 0)
        {
            OnDiscardInput();
        }
    }

    /// <summary>Aborts (once): SO_LINGER 0 and close(), so the kernel sends RST; then the socket is released.</summary>
    public void Abort()
    {
        if ((Interlocked.Or(ref _flags, Aborted) & Aborted) == 0)
        {
            OnAbort();
        }
    }

    /// <summary>The server drains; <paramref name="idle"/> is true when a frame helper waits at a frame boundary.</summary>
    public abstract void OnStopRequested(bool idle);

    /// <summary>
    /// <see cref="Connection.TryWrite{TState}(Action{System.Buffers.IBufferWriter{byte}, TState}, TState, out Connections.WriteRefusal)"/> once the connection is open for sending: writes now as one unit, or
    /// returns why not without calling <paramref name="write"/> (another send in progress, the pending-send cap reached).
    /// </summary>
    public abstract Connections.WriteRefusal TryWrite<TState>(Action<System.Buffers.IBufferWriter<byte>, TState> write, TState state);

    /// <summary>Sends an application heartbeat its own way; false when it should go out as an ordinary send.</summary>
    public virtual bool TrySendHeartbeat(ReadOnlyMemory<byte> payload) => false;

    /// <summary>Stops watching the socket before it is closed (for a connection that failed before it started).</summary>
    public virtual void Unregister()
    {
    }

    protected abstract void OnDiscardInput();

    protected abstract void OnAbort();

    /// <summary>A send could not complete at once (see <see cref="TrafficMeter.OnSendBlocked"/>).</summary>
    public void OnSendBlocked() => Meter.OnSendBlocked(Time.GetTimestamp());

    /// <summary><paramref name="count"/> bytes were sent (see <see cref="TrafficMeter.OnSent"/>).</summary>
    public void OnSent(int count) => Meter.OnSent(count, Time.GetTimestamp());

    /// <summary>One recv() for a preamble (the PROXY header) before the engine starts; only engines that run a preamble have it.</summary>
    public virtual ValueTask<int> ReceivePreambleAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"{this} runs no preamble");

    /// <summary>Runs the TLS handshake (<paramref name="handshake"/>, bounded by <paramref name="timeout"/>); from then on the engine carries plaintext.</summary>
    public virtual Task StartTlsAsync(Func<System.Net.Security.SslStream, CancellationToken, Task> handshake, TimeSpan timeout) =>
        throw new InvalidOperationException($"{this} has no TLS");

    /// <summary>Records the close reason, then aborts.</summary>
    protected void Abort(CloseReason reason)
    {
        Host.TrySetCloseReason(reason);
        Abort();
    }

    /// <summary>Marks input as discarded without the <see cref="OnDiscardInput"/> call (the application completed its reader).</summary>
    protected void MarkDiscardingInput() => Interlocked.Or(ref _flags, DiscardingInput);

    /// <summary>Marks the FIN as sent (before the shutdown(SHUT_WR) call, so a racing read classifies the end correctly).</summary>
    protected void MarkFinSent() => Interlocked.Or(ref _flags, FinSent);

    /// <summary>FIN now: marks it sent, then shutdown(SHUT_WR); a socket reset or aborted meanwhile is not an error here.</summary>
    protected void ShutdownOutput()
    {
        MarkFinSent();
        try
        {
            Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset or aborted meanwhile: the close reason already says so.
        }
    }

    /// <summary>recv() == 0 means FIN, unless a concurrent send() already consumed the ECONNRESET (see <see cref="LinuxTcp.IsClosed"/>).</summary>
    protected bool WasResetNotFin() =>
        OperatingSystem.IsLinux() && Socket.ProtocolType == ProtocolType.Tcp && !IsFinSent && LinuxTcp.IsClosed(Socket);

    /// <summary>The peer's FIN: the close reason says whether ours went first.</summary>
    protected void OnRemoteFin() =>
        Host.TrySetCloseReason(IsFinSent ? CloseReason.LocalHalfCloseThenRemoteFin : CloseReason.RemoteFin);

    /// <summary>Turns an I/O exception into the error pending operations see, recording RemoteReset when the peer reset.</summary>
    public SynackException Classify(Exception e, string operation)
    {
        if (IsAborted || e is ObjectDisposedException
            || e is SocketException { SocketErrorCode: SocketError.OperationAborted })
        {
            return new SynackException(ErrorKind.Closed, operation, $"connection aborted locally ({Host.CloseReason})",
                Host.LocalEndPoint, Host.RemoteEndPoint, SocketError.OperationAborted, e);
        }

        SynackException error = SocketErrors.Wrap(e, operation, Host.LocalEndPoint, Host.RemoteEndPoint, Host.Metrics);
        if (error.IsConnectionLost)
        {
            Host.TrySetCloseReason(CloseReason.RemoteReset);
        }
        else if (error.Kind == ErrorKind.TimedOut)
        {
            Host.TrySetCloseReason(CloseReason.Timeout);
        }

        return error;
    }

    /// <inheritdoc/>
    public override string ToString() => Host.ToString() ?? "";
}
