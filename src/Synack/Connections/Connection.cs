using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Synack.Transport;

namespace Synack.Connections;

/// <summary>
/// One TCP connection: a duplex pipe over a socket, with classic helpers that never return short, explicit close verbs
/// and exactly one recorded <see cref="Connections.CloseReason"/>.
/// </summary>
/// <remarks>
/// <para>The connection is the public API and the lifecycle (identity, endpoints, close verbs, the close reason, timeouts,
/// helpers) over one engine that moves the bytes (<see cref="Transport.ConnectionEngine"/>, chosen by
/// <see cref="Transport.EngineChoice"/>): two pumps between the socket and <see cref="Input"/>/<see cref="Output"/>
/// (<see cref="Transport.Pipes.PipesEngine"/>, whose state diagram says what happens at EOF, reset and close), or an
/// <see cref="Server.IInlineHandler"/> called on an epoll loop (<see cref="Transport.Epoll.InlineEngine"/>).</para>
/// <para>When both directions are done the socket is closed and <see cref="Closed"/> completes. <see cref="Abort"/> closes it at
/// once with SO_LINGER 0 (RST). Reads and writes pending at that moment complete with a <see cref="Errors.SynackException"/>.</para>
/// <para>Thread safety: the send helpers (<see cref="SendAsync"/>, <see cref="Framing.FrameWriter{T}"/>) serialize whole
/// frames, so several tasks may send at once without interleaving. <see cref="Input"/> and <see cref="Output"/> used
/// directly follow System.IO.Pipelines rules: one reader and one writer at a time. Close verbs are idempotent and may
/// race each other and <see cref="DisposeAsync"/> from any thread.</para>
/// </remarks>
public sealed partial class Connection : IAsyncDisposable, IConnectionEvents, Framing.IFrameHost
{
    private static long s_nextId;

    private readonly ConnectionEngine _engine;
    private readonly BufferBudget? _budget;
    private LazyCompletion<CloseReason> _closed;
    private LazyCancellation _closedToken;
    private LazyCancellation _stopRequested;
    private int _closeReason;
    private EndPoint? _clientEndPoint;
    private long _startedAt;
    private bool _started;

    internal Connection(Socket socket, ConnectionOptions options, TimeProvider? timeProvider = null, bool isServer = false,
        Transport.Epoll.EpollLoop? epoll = null, Server.IInlineHandler? inlineHandler = null, bool preamble = false,
        BufferBudget? budget = null)
    {
        IsServer = isServer;
        _budget = budget;
        Options = options;
        Id = Interlocked.Increment(ref s_nextId);
        LocalEndPoint = socket.LocalEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        RemoteEndPoint = socket.RemoteEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        Metrics = Diagnostics.ConnectionMetrics.For(isServer, LocalEndPoint, RemoteEndPoint);
        _engine = EngineChoice.Create(this, socket, options, timeProvider ?? TimeProvider.System, epoll, inlineHandler, preamble);
    }

    /// <summary>The owning server's buffer budget (<see cref="Server.ServerOptions.MaxBufferedBytes"/>), or null.</summary>
    BufferBudget? IConnectionEvents.Budget => _budget;

    /// <summary>Bytes this connection holds for the server's budget: input not consumed plus output not sent (as last counted).</summary>
    internal long BufferedBytes => _engine.BufferedBytes;

    /// <summary>Stops (or resumes) reading the socket for the server's buffer budget.</summary>
    internal void PauseInput(bool paused) => _engine.PauseInput(paused);

    /// <summary>A process-unique number, for logs.</summary>
    public long Id { get; }

    /// <summary>The options this connection was created with.</summary>
    public ConnectionOptions Options { get; }

    /// <summary>This side's address and port.</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>The peer's address and port.</summary>
    public EndPoint RemoteEndPoint { get; }

    /// <summary>
    /// The real client: what a trusted proxy's PROXY protocol header said, otherwise <see cref="RemoteEndPoint"/>.
    /// Set before the handler runs; see <see cref="ProxyProtocol.ProxyProtocolOptions"/>.
    /// </summary>
    public EndPoint ClientEndPoint { get => _clientEndPoint ?? RemoteEndPoint; internal set => _clientEndPoint = value; }

    /// <summary>
    /// Bytes received from the peer. Completes normally at the peer's FIN (clean end-of-stream) and with a
    /// <see cref="Errors.SynackException"/> on reset, abort or local close. One reader at a time.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection is served by an <see cref="Server.IInlineHandler"/>.</exception>
    public PipeReader Input => _engine.Input ?? throw InlineOnly(nameof(Input));

    /// <summary>
    /// Bytes to send to the peer. Completing it half-closes the connection (FIN after the queued bytes). Flushes wait while
    /// more than <see cref="ConnectionOptions.MaxPendingSendBytes"/> are queued. One writer at a time; use
    /// <see cref="SendAsync"/> or a <see cref="Framing.FrameWriter{T}"/> to send from several tasks.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection is served by an <see cref="Server.IInlineHandler"/>.</exception>
    public PipeWriter Output => _engine.Output ?? throw InlineOnly(nameof(Output));

    /// <summary>Why the connection ended, or <see cref="CloseReason.None"/> while nothing has ended it.</summary>
    public CloseReason CloseReason => (CloseReason)Volatile.Read(ref _closeReason);

    /// <summary>
    /// Why reading ended, for a handler whose read just returned end-of-stream (issue 15): the close reason once one is
    /// recorded (<see cref="CloseReason.RemoteFin"/> at the peer's FIN, <see cref="CloseReason.Timeout"/>, ...), else
    /// <see cref="CloseReason.ServerDrain"/> when the owning server's drain ended the read at a frame boundary (the close
    /// reason itself is recorded only when the connection closes, so that sends still work meanwhile), else
    /// <see cref="CloseReason.None"/>.
    /// </summary>
    public CloseReason InputEndReason => CloseReason is not CloseReason.None and var reason ? reason
        : IsStopRequested ? CloseReason.ServerDrain : CloseReason.None;

    /// <summary>Completes with the close reason once the socket is closed (both directions finished, or aborted).</summary>
    public Task<CloseReason> Closed => _closed.Task;

    /// <summary>Cancelled once the socket is closed.</summary>
    public CancellationToken ConnectionClosed => _closedToken.Token;

    /// <summary>
    /// Cancelled when the owning server starts draining. Handlers that read <see cref="Input"/> directly should finish
    /// the message in hand and return; the frame helpers already return end-of-stream at the next frame boundary.
    /// </summary>
    public CancellationToken StopRequested => _stopRequested.Token;

    /// <summary>The underlying socket, for options Synack does not wrap. Do not read, write or close it directly.</summary>
    public Socket Socket => _engine.Socket;

    /// <summary>True for connections accepted by a server (metrics tag them <c>synack.side=server</c>).</summary>
    internal bool IsServer { get; }

    /// <summary>The connections this one is counted with: its metric tags, and its place among the open ones once started.</summary>
    internal Diagnostics.ConnectionMetrics Metrics { get; }

    /// <summary>The task that runs the server's handler for this connection; null for an inline handler.</summary>
    internal Task? HandlerTask { get; set; }

    /// <summary>Links in the server's <see cref="Server.ConnectionSet"/> (changed under its lock).</summary>
    internal Server.ConnectionLinks ServerLinks;

    /// <summary>Links in the live set of <see cref="Metrics"/> (changed under its lock).</summary>
    internal Server.ConnectionLinks MetricLinks;

    /// <summary>True when an <see cref="Server.IInlineHandler"/> is served on the epoll loop (no pipes, no handler task).</summary>
    internal bool IsInline => _engine.IsInline;

    /// <summary>The server that serves this connection: told when the inline handler is done and when the socket is released.</summary>
    internal IConnectionOwner? Owner { get; set; }

    /// <summary>Configures the socket, arms the watchdog and starts the engine.</summary>
    internal void Start()
    {
        _engine.Configure();
        _startedAt = _engine.Time.GetTimestamp();
        _started = true;
        Diagnostics.SynackMetrics.ConnectionOpened(this);
        StartWatchdog();
        _engine.Start();
    }

    /// <summary>Records <paramref name="reason"/> if no reason was recorded yet. Returns true if this call set it.</summary>
    internal bool TrySetCloseReason(CloseReason reason) =>
        Interlocked.CompareExchange(ref _closeReason, (int)reason, (int)CloseReason.None) == (int)CloseReason.None;

    /// <summary>Stops watching the socket before it is closed (for a connection that failed before it started).</summary>
    internal void UnregisterEpoll() => _engine.Unregister();

    /// <summary>
    /// One recv() for a preamble read before the engine starts (the PROXY header), on this connection's engine and
    /// cancellable: 0 at the peer's FIN. Never consumes more than <paramref name="buffer"/> holds.
    /// </summary>
    internal ValueTask<int> ReceivePreambleAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        _engine.ReceivePreambleAsync(buffer, cancellationToken);

    /// <inheritdoc/>
    public override string ToString() => $"#{Id} {LocalEndPoint}->{RemoteEndPoint}";

    private InvalidOperationException InlineOnly(string what) =>
        new($"{what} is not available on {this}: it is served by an IInlineHandler, which writes to the output it is given");

    bool IConnectionEvents.TrySetCloseReason(CloseReason reason) => TrySetCloseReason(reason);

    Diagnostics.ConnectionMetrics IConnectionEvents.Metrics => Metrics;

    void IConnectionEvents.OnHandlerDone(Exception? fault) => Owner?.OnHandlerDone(this, fault);

    /// <summary>
    /// The engine closed the socket: record the reason (LocalClose unless one was), then the metrics, then complete
    /// <see cref="Closed"/> and tell the owner. The metrics come first (a lock and four additions; a histogram record), so
    /// that whoever awaits <see cref="Closed"/> and then reads the meter sees this connection as ended (issue 15).
    /// </summary>
    void IConnectionEvents.OnReleased()
    {
        StopWatchdog();
        TrySetCloseReason(CloseReason.LocalClose);
        try
        {
            if (_started)
            {
                Diagnostics.SynackMetrics.ConnectionClosed(this, CloseReason, _engine.Time.GetElapsedTime(_startedAt));
            }
        }
        finally
        {
            if (_closed.TrySetResult(CloseReason))
            {
                Owner?.OnClosed(this);
                CancelConnectionClosed();
            }
        }
    }

    /// <summary>
    /// Cancels <see cref="ConnectionClosed"/>. Its callbacks are application code: never under a connection's lock (on an
    /// epoll loop thread they go to the thread pool), and one that throws must not take the loop thread with it.
    /// </summary>
    private void CancelConnectionClosed()
    {
        if (ConnectionEngine.HoldsAnyLock)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static c => c.CancelConnectionClosed(), this, preferLocal: false);
            return;
        }

        try
        {
            _closedToken.Cancel();
        }
        catch (AggregateException)
        {
            // A ConnectionClosed callback threw: the application's bug, and the connection is closed regardless.
        }
    }
}
