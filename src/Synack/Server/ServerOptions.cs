using System.Net;
using System.Net.Sockets;
using Synack.Connections;

namespace Synack.Server;

/// <summary>What a <see cref="SynackServer"/> listens on and how. Setters validate; defaults cite precedent (docs/limits.md).</summary>
public sealed class ServerOptions
{
    private int _backlog = 512;
    private TimeSpan _drainTimeout = TimeSpan.FromSeconds(30);
    private int _maxConnections = 10_000;
    private int _descriptorReserve = DefaultDescriptorReserve;
    private long _maxBufferedBytes = DefaultMaxBufferedBytes;

    /// <summary>The default <see cref="DescriptorReserve"/>: 32 descriptors (docs/limits.md says why).</summary>
    public const int DefaultDescriptorReserve = 32;

    /// <summary>
    /// Endpoints to listen on: <see cref="IPEndPoint"/>s and <see cref="UnixDomainSocketEndPoint"/>s, several at once (for
    /// example 127.0.0.1:7000, [::1]:7000 and /run/app.sock). <c>[::]:port</c> listens dual-stack (IPv4 and IPv6) unless
    /// <see cref="DualMode"/> is off. Port 0 picks a free port; read it back from <see cref="SynackServer.LocalEndPoints"/>.
    /// </summary>
    public IList<EndPoint> EndPoints { get; } = new List<EndPoint>();

    /// <summary>listen() backlog: connections the kernel queues before accept. Default 512 [Kestrel 512; Redis 511].
    /// 1 to 65535 (Linux caps it at net.core.somaxconn).</summary>
    public int Backlog
    {
        get => _backlog;
        set => _backlog = Check.Range(value, 1, 65535);
    }

    /// <summary>
    /// SO_REUSEPORT: let several processes or servers bind the same port and have the kernel spread connections.
    /// Default <c>false</c>, so that a second server on a busy port fails with <see cref="Errors.ErrorKind.AddressInUse"/>
    /// instead of silently sharing it. (Rebinding through TIME_WAIT, SO_REUSEADDR, is always on.)
    /// </summary>
    public bool ReusePort { get; set; }

    /// <summary>Whether <c>[::]</c> also accepts IPv4 (IPV6_V6ONLY off). Default <c>true</c>.</summary>
    public bool DualMode { get; set; } = true;

    /// <summary>Default drain timeout for <see cref="SynackServer.StopAsync()"/>. Default 30 s
    /// [HostOptions.ShutdownTimeout]. 0 to 1 h.</summary>
    public TimeSpan DrainTimeout
    {
        get => _drainTimeout;
        set => _drainTimeout = Check.Range(value, TimeSpan.Zero, TimeSpan.FromHours(1));
    }

    /// <summary>
    /// The most connections served at once. Past it, a new connection is accepted (so it does not sit in the backlog),
    /// sent <see cref="RejectPayload"/> if any, closed with FIN, and counted in <see cref="SynackServer.RejectedConnections"/>;
    /// the connections being served are not affected. Default 10,000 [Redis maxclients]. 1 to
    /// <see cref="UnlimitedConnections"/> (1,000,000).
    /// </summary>
    public int MaxConnections
    {
        get => _maxConnections;
        set => _maxConnections = Check.Range(value, 1, UnlimitedConnections);
    }

    /// <summary>
    /// The server-wide budget for buffered bytes: input received and not yet consumed plus output queued and not yet sent,
    /// across all its connections (counted once per read, consume or send batch, never per byte). Past it the server stops
    /// reading from the connections with the largest buffers (the bytes wait in the kernel, TCP flow control slows those
    /// peers) and reads them again once the total is back under half the budget; if it is still over a heartbeat (1 s)
    /// later, it sheds the largest connections (abort, RST, <see cref="CloseReason.LimitExceeded"/>) until it is under.
    /// Each step raises <see cref="SynackServer.BufferOverload"/> and the metrics <c>synack.overload.paused</c> and
    /// <c>synack.overload.shed</c>. [Envoy's overload manager stops reading and sheds load against a memory budget; Redis's
    /// client-output-buffer-limit disconnects the clients whose buffers pass a limit.] Default
    /// <see cref="DefaultMaxBufferedBytes"/>: a quarter of the memory the GC may use, at least 64 MiB. 64 KiB to
    /// <see cref="UnlimitedBufferedBytes"/> (no budget, nothing counted).
    /// </summary>
    public long MaxBufferedBytes
    {
        get => _maxBufferedBytes;
        set => _maxBufferedBytes = Check.Range(value, 64 * 1024, UnlimitedBufferedBytes);
    }

    /// <summary>
    /// The default <see cref="MaxBufferedBytes"/>: a quarter of <see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/> (physical
    /// memory, or the container's limit), at least 64 MiB. Each connection may hold up to its read cap and pending-send cap
    /// (2 MiB + 64 KiB by default), so 10,000 connections could otherwise ask for 20 GiB; a quarter leaves the rest to the
    /// application and the runtime.
    /// </summary>
    public static long DefaultMaxBufferedBytes { get; } = Math.Max(64L * 1024 * 1024, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    /// <summary>The <see cref="MaxBufferedBytes"/> that means no budget (<c>synack serve --max-buffered-bytes 0</c>): nothing is counted or shed.</summary>
    public const long UnlimitedBufferedBytes = long.MaxValue;

    /// <summary>The largest <see cref="MaxConnections"/>, which is what "no limit" means (<c>synack serve --max-connections 0</c>):
    /// a million connections need more descriptors than a process is normally given.</summary>
    public const int UnlimitedConnections = 1_000_000;

    /// <summary>
    /// Raise the process's soft RLIMIT_NOFILE to the hard limit when the server starts (Linux), as Go's runtime does at
    /// start-up: the soft limit (often 1,024) exists for select() users, which .NET is not. Default <c>true</c>; set
    /// <c>false</c> to leave the limit as the process was given it. Child processes inherit the raised limit.
    /// </summary>
    public bool RaiseDescriptorLimit { get; set; } = true;

    /// <summary>
    /// Descriptors kept free for the runtime (thread-pool threads, assembly loads) and the close path: accepting pauses
    /// while fewer than this many are left below the soft RLIMIT_NOFILE and resumes when a connection closes (Linux).
    /// Meanwhile new connections wait in the listen backlog; <see cref="SynackServer.AcceptPaused"/> and the metric
    /// <c>synack.accept.paused</c> say so. Default <see cref="DefaultDescriptorReserve"/> (32); 0 turns the reserve off
    /// (accept until EMFILE, then back off). 0 to 65,536.
    /// </summary>
    public int DescriptorReserve
    {
        get => _descriptorReserve;
        set => _descriptorReserve = Check.Range(value, 0, 65_536);
    }

    /// <summary>
    /// Bytes sent to a connection rejected by <see cref="MaxConnections"/> before it is closed, for example
    /// <c>"-ERR max number of clients reached\r\n"</c> as Redis does. Default empty: close without a word.
    /// </summary>
    public ReadOnlyMemory<byte> RejectPayload { get; set; }

    /// <summary>
    /// How connections do their I/O: <see cref="SynackTransport.Auto"/> (default: the epoll fast path for inline handlers,
    /// the runtime's sockets otherwise), <see cref="SynackTransport.Sockets"/> or <see cref="SynackTransport.Epoll"/>. The
    /// environment variable <c>SYNACK_TRANSPORT=epoll</c> or <c>=sockets</c> changes the default (CI runs the functional
    /// and CLI tests both ways).
    /// </summary>
    public SynackTransport Transport { get; set; } = Synack.Transport.EngineChoice.Default();

    /// <summary>The epoll loops to serve on; <c>null</c> for the process's default group (the load generator pins its own).</summary>
    internal Synack.Transport.Epoll.EpollLoopGroup? Loops { get; set; }

    /// <summary>Serve TLS on every endpoint; <c>null</c> (default) for plain TCP. The PROXY header, when configured, comes first.</summary>
    public Tls.TlsServerOptions? Tls { get; set; }

    /// <summary>Expect PROXY protocol headers from trusted proxies; <c>null</c> (default) never parses them.</summary>
    public ProxyProtocol.ProxyProtocolOptions? ProxyProtocol { get; set; }

    /// <summary>Options applied to every accepted connection.</summary>
    public ConnectionOptions Connection { get; set; } = new();

    /// <summary>
    /// Adds an endpoint (<see cref="IPEndPoint"/>, <see cref="UnixDomainSocketEndPoint"/>, or an <see cref="InheritedEndPoint"/>
    /// for sockets handed in by systemd or a parent); returns this for chaining.
    /// </summary>
    public ServerOptions Listen(EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (endPoint is not (IPEndPoint or UnixDomainSocketEndPoint or InheritedEndPoint))
        {
            throw new ArgumentException($"Listen on an IPEndPoint, a UnixDomainSocketEndPoint or an InheritedEndPoint, not a {endPoint.GetType().Name}.", nameof(endPoint));
        }

        EndPoints.Add(endPoint);
        return this;
    }

    /// <summary>Adds an endpoint from an address and port; returns this for chaining.</summary>
    public ServerOptions Listen(IPAddress address, int port) => Listen(new IPEndPoint(address, port));

    /// <summary>Adds an endpoint written as text (<c>127.0.0.1:7000</c>, <c>[::]:7000</c>, <c>*:7000</c>, <c>unix:/run/app.sock</c>,
    /// <c>systemd:</c>, <c>fd:3</c>; see <see cref="ListenAddress"/>); returns this for chaining.</summary>
    /// <exception cref="FormatException">The text is malformed or names a host instead of an address.</exception>
    public ServerOptions Listen(string address) => Listen(ListenAddress.Parse(address));

    /// <summary>
    /// Adds a Unix domain socket (AF_UNIX, SOCK_STREAM) at <paramref name="path"/>; returns this for chaining. A stale
    /// socket file left by a crashed server is replaced; a live one fails with <see cref="Errors.ErrorKind.AddressInUse"/>;
    /// any other file at the path is never touched. The socket file is removed when the server stops. A path starting with
    /// <c>'\0'</c> is Linux's abstract namespace (no file).
    /// </summary>
    public ServerOptions ListenUnixSocket(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Listen(new UnixDomainSocketEndPoint(path));
    }
}
