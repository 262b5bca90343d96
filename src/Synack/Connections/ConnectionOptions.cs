namespace Synack.Connections;

/// <summary>
/// Per-connection socket options and buffer caps. Every setter validates; every default cites its precedent
/// (see docs/limits.md). One instance may be shared by many connections; do not mutate it while they run.
/// </summary>
public sealed class ConnectionOptions
{
    private int? _sendBufferSize;
    private int? _receiveBufferSize;
    private TimeSpan? _linger;
    private int _maxReadBufferSize = 2 * 1024 * 1024;
    private int _maxPendingSendBytes = 64 * 1024;
    private int _maxUnjudgedBytes = 64 * 1024;
    private TimeSpan _closeTimeout = TimeSpan.FromSeconds(5);
    private TimeSpan _idleTimeout = TimeSpan.FromMinutes(2);
    private TimeSpan _frameReadTimeout = TimeSpan.FromSeconds(30);
    private TimeSpan _sendTimeout = TimeSpan.FromSeconds(60);

    /// <summary>TCP_NODELAY: disable Nagle's algorithm. Default <c>true</c>. [Kestrel, Go, Netty all default to on.]</summary>
    public bool NoDelay { get; set; } = true;

    /// <summary>Keepalive and TCP_USER_TIMEOUT settings (dead-peer detection). See <see cref="KeepAliveOptions"/>.</summary>
    public KeepAliveOptions KeepAlive { get; set; } = new();

    /// <summary>
    /// SO_LINGER applied when the socket is closed normally. Default <c>null</c>: the OS default (close returns at once,
    /// the kernel keeps sending queued data). <see cref="Connection.Abort"/> always uses linger 0 (RST) regardless.
    /// 0 to 1 h.
    /// </summary>
    public TimeSpan? Linger
    {
        get => _linger;
        set => _linger = Check.OptionalRange(value, TimeSpan.Zero, TimeSpan.FromHours(1));
    }

    /// <summary>SO_SNDBUF in bytes. Default <c>null</c>: leave the kernel's autotuning on. 1 KiB to 64 MiB.</summary>
    public int? SendBufferSize
    {
        get => _sendBufferSize;
        set => _sendBufferSize = Check.OptionalRange(value, 1024, 64 * 1024 * 1024);
    }

    /// <summary>SO_RCVBUF in bytes. Default <c>null</c>: leave the kernel's autotuning on. 1 KiB to 64 MiB.</summary>
    public int? ReceiveBufferSize
    {
        get => _receiveBufferSize;
        set => _receiveBufferSize = Check.OptionalRange(value, 1024, 64 * 1024 * 1024);
    }

    /// <summary>
    /// Read buffer cap: once this many received bytes wait unconsumed, Synack stops reading the socket (TCP flow control
    /// then slows the peer); reading resumes at half. Default 2 MiB: one maximum frame (1 MiB) plus 1 MiB read-ahead.
    /// [Kestrel's MaxRequestBufferSize is 1 MiB; Synack buffers whole frames, so the cap must exceed the largest frame.]
    /// 4 KiB to 1 GiB.
    /// </summary>
    public int MaxReadBufferSize
    {
        get => _maxReadBufferSize;
        set => _maxReadBufferSize = Check.Range(value, 4 * 1024, 1024 * 1024 * 1024);
    }

    /// <summary>
    /// Input not yet judged: the most bytes an engine reads ahead of what the reader has examined (one read). Past it the
    /// bytes wait in the kernel (TCP flow control slows the peer) until the reader looks at what it has and asks for more,
    /// or until a decoder accepts a frame's header (<see cref="Framing.IFrameLengthDecoder{T}"/>): then the whole frame may
    /// be buffered, up to <see cref="MaxReadBufferSize"/>. So a peer that sends a bad header and megabytes of junk behind it
    /// costs one read, not the read cap (issue 14: 120 such peers grew a server by 90–145 MiB). Default 64 KiB, one read
    /// of the engines (and of the C yardstick). [Kestrel admits a request's body only after its request line
    /// (MaxRequestLineSize 8 KiB) and headers (MaxRequestHeadersTotalSize 32 KiB) passed their limits.] 1 KiB to 1 GiB;
    /// never more than <see cref="MaxReadBufferSize"/> in effect.
    /// </summary>
    public int MaxUnjudgedBytes
    {
        get => _maxUnjudgedBytes;
        set => _maxUnjudgedBytes = Check.Range(value, 1024, 1024 * 1024 * 1024);
    }

    /// <summary>
    /// Pending-send cap: a flush waits (backpressure) while this many bytes are queued but not yet accepted by the
    /// kernel; it resumes at half. Default 64 KiB. [Kestrel's MaxResponseBufferSize; System.IO.Pipelines' default.]
    /// 1 KiB to 1 GiB.
    /// </summary>
    public int MaxPendingSendBytes
    {
        get => _maxPendingSendBytes;
        set => _maxPendingSendBytes = Check.Range(value, 1024, 1024 * 1024 * 1024);
    }

    /// <summary>
    /// Async handlers and clients on epoll run on the pipes engine instead of the direct one (internal: the conformance
    /// suite runs every engine in one test run, and bench/pairs.sh compares the two; default from
    /// <c>SYNACK_EPOLL_ENGINE=pipes</c>).
    /// </summary>
    internal bool PipesOnEpoll { get; set; } = Transport.EngineChoice.PipesOnEpollDefault;

    /// <summary>The recv()/send() seam of the epoll engines (internal: SyscallFaultTests inject errno results through it).</summary>
    internal Transport.Epoll.SocketCalls SocketCalls { get; set; } = Transport.Epoll.SocketCalls.Native;

    /// <summary>
    /// Run continuations inline instead of dispatching them to the thread pool: the receive pump runs the handler up to
    /// its next incomplete await, and the handler's flush runs the send pump. Saves two thread-pool hops per
    /// request/response, but a handler that blocks or computes for long holds up its connection's I/O (and, with
    /// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, every connection on that socket engine thread). Default
    /// <c>false</c>. [Kestrel's SocketTransportOptions.UnsafePreferInlineScheduling, off by default for the same reason.]
    /// </summary>
    public bool UnsafePreferInlineScheduling { get; set; }

    /// <summary>
    /// How long <see cref="Connection.CloseAsync"/> waits for queued data to be sent and for the peer's FIN before it
    /// aborts (RST). Default 5 s. [nginx's lingering_timeout.] 0 to 10 min.
    /// </summary>
    public TimeSpan CloseTimeout
    {
        get => _closeTimeout;
        set => _closeTimeout = Check.Range(value, TimeSpan.Zero, TimeSpan.FromMinutes(10));
    }

    /// <summary>
    /// No byte received or sent for this long (and no frame or send in progress): the connection is closed gracefully
    /// (FIN) with <see cref="CloseReason.Timeout"/>. Default 2 min. [Kestrel's KeepAliveTimeout, 130 s.] 1 s to 24 h, or
    /// <see cref="Timeout.InfiniteTimeSpan"/> to disable. A handler that computes longer than this without I/O should raise it.
    /// </summary>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        set => _idleTimeout = value == Timeout.InfiniteTimeSpan ? value : Check.Range(value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
    }

    /// <summary>
    /// The longest a frame may take from its first byte to its last, for the frame helpers (<see cref="Framing.FrameReader{T}"/>,
    /// <see cref="Connection.ReadLineAsync(int, CancellationToken)"/>, <see cref="Connection.ReadExactlyAsync"/>): a slowloris peer that dribbles a
    /// frame is aborted (RST) with <see cref="CloseReason.Timeout"/>. Default 30 s. [Kestrel's RequestHeadersTimeout.]
    /// 1 s to 1 h, or <see cref="Timeout.InfiniteTimeSpan"/> to disable.
    /// </summary>
    public TimeSpan FrameReadTimeout
    {
        get => _frameReadTimeout;
        set => _frameReadTimeout = value == Timeout.InfiniteTimeSpan ? value : Check.Range(value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
    }

    /// <summary>
    /// While a frame is incomplete, the peer must send at least this rate (after the grace period) or the connection is
    /// aborted with <see cref="CloseReason.Timeout"/>. Default <see cref="DataRate.Default"/> (240 B/s after 5 s).
    /// [Kestrel's MinRequestBodyDataRate.] <c>null</c> disables.
    /// </summary>
    public DataRate? MinReceiveRate { get; set; } = DataRate.Default;

    /// <summary>
    /// While sends are blocked because the peer does not read, the peer must accept at least this rate (after the grace
    /// period) or the connection is aborted with <see cref="CloseReason.Timeout"/>: a slow reader cannot hold a handler
    /// forever. Default <see cref="DataRate.Default"/> (240 B/s after 5 s). [Kestrel's MinResponseDataRate.] <c>null</c> disables.
    /// </summary>
    public DataRate? MinSendRate { get; set; } = DataRate.Default;

    /// <summary>
    /// The longest one send may stall (no byte accepted) because the peer does not read: then the connection is aborted
    /// with <see cref="CloseReason.Timeout"/>. Default 60 s. [nginx's send_timeout.] 1 s to 24 h, or
    /// <see cref="Timeout.InfiniteTimeSpan"/> to disable.
    /// </summary>
    public TimeSpan SendTimeout
    {
        get => _sendTimeout;
        set => _sendTimeout = value == Timeout.InfiniteTimeSpan ? value : Check.Range(value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
    }

    /// <summary>An application heartbeat sent when nothing was sent for a while; <c>null</c> (default) for none. See <see cref="Connections.Heartbeat"/>.</summary>
    public Heartbeat? Heartbeat { get; set; }
}
