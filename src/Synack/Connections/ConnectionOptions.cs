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
    private TimeSpan _closeTimeout = TimeSpan.FromSeconds(5);

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
    /// How long <see cref="Connection.CloseAsync"/> waits for queued data to be sent and for the peer's FIN before it
    /// aborts (RST). Default 5 s. [nginx's lingering_timeout.] 0 to 10 min.
    /// </summary>
    public TimeSpan CloseTimeout
    {
        get => _closeTimeout;
        set => _closeTimeout = Check.Range(value, TimeSpan.Zero, TimeSpan.FromMinutes(10));
    }
}
