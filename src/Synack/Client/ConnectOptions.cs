using System.Net;
using Synack.Connections;

namespace Synack.Client;

/// <summary>How <see cref="SynackClient"/> connects. Setters validate; defaults cite precedent (docs/limits.md).</summary>
public sealed class ConnectOptions
{
    private TimeSpan _connectTimeout = TimeSpan.FromSeconds(10);
    private TimeSpan _attemptDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Deadline for the whole connect: resolution and every attempt. Default 10 s [HAProxy's usual <c>timeout connect</c>
    /// of 4–10 s; without one, Linux gives up only after ~127 s of SYN retries]. 1 ms to 10 min.
    /// </summary>
    public TimeSpan ConnectTimeout
    {
        get => _connectTimeout;
        set => _connectTimeout = Check.Range(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10));
    }

    /// <summary>
    /// Happy Eyeballs stagger: how long an attempt runs before the next address is tried in parallel. Default 250 ms
    /// [RFC 8305 §5 recommends 250 ms; Chrome and curl use 300 ms / 200 ms]. 10 ms to 2 s (RFC 8305's bounds).
    /// </summary>
    public TimeSpan AttemptDelay
    {
        get => _attemptDelay;
        set => _attemptDelay = Check.Range(value, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(2));
    }

    /// <summary>TLS on top of the connection; <c>null</c> (default) for plain TCP.</summary>
    public Tls.TlsClientOptions? Tls { get; set; }

    /// <summary>
    /// Options applied to the connection once established. The defaults are a server's, except that a client does not
    /// close idle connections (<see cref="ConnectionOptions.IdleTimeout"/> infinite): a long-lived client connection may
    /// legitimately sit silent, and keepalive still detects a dead peer.
    /// </summary>
    public ConnectionOptions Connection { get; set; } = new() { IdleTimeout = Timeout.InfiniteTimeSpan };

    /// <summary>Local endpoint to bind before connecting, or <c>null</c> to let the kernel choose.</summary>
    public IPEndPoint? LocalEndPoint { get; set; }

    /// <summary>Name resolver. Default: <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/> (getaddrinfo).</summary>
    public Func<string, CancellationToken, Task<IPAddress[]>> Resolver { get; set; } = Dns.GetHostAddressesAsync;

    /// <summary>
    /// Which engine the connection runs on, chosen as for servers (<see cref="Server.SynackTransport"/>):
    /// <see cref="Server.SynackTransport.Auto"/> (default) puts a connection with an <see cref="Server.IInlineHandler"/> on the
    /// epoll fast path (a non-blocking connect and then the inline engine, Linux x64/ARM64) and others on the runtime's
    /// sockets; <see cref="Server.SynackTransport.Epoll"/> puts every TCP connection on epoll, where an async handler's
    /// continuations run on the loop thread (it must not block). TLS connections and Unix sockets use the runtime's sockets.
    /// The environment variable <c>SYNACK_TRANSPORT</c> changes the default, as for servers.
    /// </summary>
    public Server.SynackTransport Transport { get; set; } = Synack.Transport.EngineChoice.Default();

    /// <summary>The epoll loops to run on; <c>null</c> for the process's default group (the load generator pins its own).</summary>
    internal Synack.Transport.Epoll.EpollLoopGroup? Loops { get; set; }

    /// <summary>Clock for the timeout and the stagger. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
