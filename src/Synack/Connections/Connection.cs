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
/// <para>Two pumps move bytes: the receive pump copies socket → <see cref="Input"/>, the send pump copies
/// <see cref="Output"/> → socket. Their states:</para>
/// <code>
///   receive pump:  Reading ──recv()==0──► Eof (Input completes, reason RemoteFin or LocalHalfCloseThenRemoteFin)
///                     │ CloseAsync            └── ECONNRESET ──► Faulted (Input fails with Reset, reason RemoteReset)
///                     ▼
///                  Discarding (Input fails with Closed; bytes are read and dropped until the peer's FIN)
///   send pump:     Sending ──Output completed──► shutdown(SHUT_WR) = FIN ──► Done
///                     └── EPIPE/ECONNRESET ──► Faulted (writes fail with Reset/BrokenPipe)
/// </code>
/// <para>When both pumps are done the socket is closed and <see cref="Closed"/> completes. <see cref="Abort"/> closes it at
/// once with SO_LINGER 0 (RST). Reads and writes pending at that moment complete with a <see cref="Errors.SynackException"/>.</para>
/// <para>Thread safety: the send helpers (<see cref="SendAsync"/>, <see cref="Framing.FrameWriter{T}"/>) serialize whole
/// frames, so several tasks may send at once without interleaving. <see cref="Input"/> and <see cref="Output"/> used
/// directly follow System.IO.Pipelines rules: one reader and one writer at a time. Close verbs are idempotent and may
/// race each other and <see cref="DisposeAsync"/> from any thread.</para>
/// </remarks>
public sealed partial class Connection : IAsyncDisposable
{
    private static long s_nextId;

    private readonly Socket _socket;
    private readonly Pipe? _input;  // null for an inline handler on the epoll transport (Connection.Inline.cs)
    private readonly Pipe? _output;
    private readonly TimeProvider _time;
    private LazyCompletion<CloseReason> _closed;
    private LazyCancellation _closedToken;
    private LazyCancellation _stopRequested;
    private int _closeReason;
    private EndPoint? _clientEndPoint;
    private long _startedAt;
    private bool _started;
    private Task _receivePump = Task.CompletedTask;
    private Task _sendPump = Task.CompletedTask;

    internal Connection(Socket socket, ConnectionOptions options, TimeProvider? timeProvider = null, bool isServer = false,
        Transport.Epoll.EpollLoop? epoll = null, Server.IInlineHandler? inlineHandler = null)
    {
        IsServer = isServer;
        _socket = socket;
        Options = options;
        _time = timeProvider ?? TimeProvider.System;
        Id = Interlocked.Increment(ref s_nextId);
        LocalEndPoint = socket.LocalEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        RemoteEndPoint = socket.RemoteEndPoint ?? new IPEndPoint(IPAddress.None, 0);

        if (epoll is not null && inlineHandler is not null)
        {
            // The inline fast path: no pipes; the socket is registered with the loop at Start.
            _socket.Blocking = false;
            _inlineHandler = inlineHandler;
            _epoll = new Transport.Epoll.EpollRegistration(epoll, socket, this); // added to the loop at Start
            return;
        }

        _sendLock = new SemaphoreSlim(1, 1);
        PipeScheduler scheduler = options.UnsafePreferInlineScheduling || epoll is not null ? PipeScheduler.Inline : PipeScheduler.ThreadPool;
        _input = new Pipe(new PipeOptions(
            readerScheduler: scheduler,
            writerScheduler: scheduler,
            pauseWriterThreshold: options.MaxReadBufferSize,
            resumeWriterThreshold: options.MaxReadBufferSize / 2,
            useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(
            readerScheduler: scheduler,
            writerScheduler: scheduler,
            pauseWriterThreshold: options.MaxPendingSendBytes,
            resumeWriterThreshold: options.MaxPendingSendBytes / 2,
            useSynchronizationContext: false));
        if (epoll is not null)
        {
            UseEpoll(epoll);
        }
    }

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
    public PipeReader Input => _input?.Reader ?? throw InlineOnly(nameof(Input));

    /// <summary>
    /// Bytes to send to the peer. Completing it half-closes the connection (FIN after the queued bytes). Flushes wait while
    /// more than <see cref="ConnectionOptions.MaxPendingSendBytes"/> are queued. One writer at a time; use
    /// <see cref="SendAsync"/> or a <see cref="Framing.FrameWriter{T}"/> to send from several tasks.
    /// </summary>
    /// <exception cref="InvalidOperationException">The connection is served by an <see cref="Server.IInlineHandler"/>.</exception>
    public PipeWriter Output => _output?.Writer ?? throw InlineOnly(nameof(Output));

    /// <summary>Why the connection ended, or <see cref="CloseReason.None"/> while nothing has ended it.</summary>
    public CloseReason CloseReason => (CloseReason)Volatile.Read(ref _closeReason);

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
    public Socket Socket => _socket;

    /// <summary>True for connections accepted by a server (metrics tag them <c>synack.side=server</c>).</summary>
    internal bool IsServer { get; }

    /// <summary>The task that runs the server's handler for this connection; null for an inline handler.</summary>
    internal Task? HandlerTask { get; set; }

    /// <summary>Links in the server's <see cref="Server.ConnectionSet"/> (set under its lock).</summary>
    internal Connection? PreviousInSet { get; private set; }

    /// <summary>Links in the server's <see cref="Server.ConnectionSet"/> (set under its lock).</summary>
    internal Connection? NextInSet { get; private set; }

    /// <summary>True while in a server's <see cref="Server.ConnectionSet"/>.</summary>
    internal bool InSet { get; private set; }

    /// <summary>Called by <see cref="Server.ConnectionSet"/> under its lock.</summary>
    internal void SetLinks(Connection? previous, Connection? next, bool inSet)
    {
        PreviousInSet = previous;
        NextInSet = next;
        InSet = inSet;
    }

    /// <summary>Configures the socket and starts both pumps.</summary>
    internal void Start()
    {
        SocketConfigurator.Apply(_socket, Options);
        _startedAt = _time.GetTimestamp();
        _started = true;
        Diagnostics.SynackMetrics.ConnectionOpened(Diagnostics.SynackMetrics.Tags(IsServer, LocalEndPoint, RemoteEndPoint));
        if (IsInline)
        {
            StartInline();
            return;
        }

        _sender ??= new SocketSender();
        _receivePump = ReceivePumpAsync();
        _sendPump = SendPumpAsync();
        StartWatchdog();
        _ = FinishWhenPumpsEndAsync();
    }

    /// <summary>Records <paramref name="reason"/> if no reason was recorded yet. Returns true if this call set it.</summary>
    internal bool TrySetCloseReason(CloseReason reason) =>
        Interlocked.CompareExchange(ref _closeReason, (int)reason, (int)CloseReason.None) == (int)CloseReason.None;

    /// <inheritdoc/>
    public override string ToString() => $"#{Id} {LocalEndPoint}->{RemoteEndPoint}";

    private async Task FinishWhenPumpsEndAsync()
    {
        await Task.WhenAll(_receivePump, _sendPump).ConfigureAwait(false);
        ReleaseSocket();
    }

    private void ReleaseSocket()
    {
        if (_epoll is not null && Options.Linger > TimeSpan.Zero && Volatile.Read(ref _aborted) == 0)
        {
            // close() with SO_LINGER > 0 blocks until the data is sent or the linger runs out, and here it would run on an
            // epoll loop thread, stalling every connection of that loop: close on the thread pool instead.
            _epoll.Unregister();
            ThreadPool.UnsafeQueueUserWorkItem(static c => c.ReleaseSocketCore(), this, preferLocal: false);
            return;
        }

        ReleaseSocketCore();
    }

    /// <summary>
    /// Cancels <see cref="ConnectionClosed"/>. Its callbacks are application code: never under a connection's lock (on an
    /// epoll loop thread they go to the thread pool), and one that throws must not take the loop thread with it.
    /// </summary>
    private void CancelConnectionClosed()
    {
        if (HoldsAnyGate)
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

    private void ReleaseSocketCore()
    {
        // Both directions are finished (or the socket was aborted): nothing unread remains, so close() sends no RST.
        StopWatchdog();
        if (IsInline)
        {
            // The raw descriptor is used only under the lock, after checking this flag: once it is set, close() may run
            // outside the lock (with SO_LINGER > 0 it blocks, and must not hold up the loop thread's next edge).
            lock (InlineGate)
            {
                DropUnconsumed();
                DropQueuedOutput();
                _inlineSocketClosed = true;
            }
        }

        if (_tls is not null)
        {
            DisposeTls();
        }

        _epoll?.Unregister();
        _socket.Dispose();
        _epoll?.Close();
        TrySetCloseReason(CloseReason.LocalClose);
        if (_closed.TrySetResult(CloseReason))
        {
            try
            {
                if (_started)
                {
                    // The tags are made again rather than kept: they would cost every open connection ~150 bytes.
                    Diagnostics.SynackMetrics.ConnectionClosed(Diagnostics.SynackMetrics.Tags(IsServer, LocalEndPoint, RemoteEndPoint), CloseReason, _time.GetElapsedTime(_startedAt), BytesReceived, BytesSent, FramesReceived, FramesSent);
                }
            }
            finally
            {
                Owner?.OnClosed(this);
                CancelConnectionClosed();
            }
        }
    }
}
