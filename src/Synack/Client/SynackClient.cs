using System.Net;
using System.Net.Sockets;
using Synack.Connections;
using Synack.Errors;
using Synack.Server;
using Synack.Transport;
using Synack.Transport.Epoll;

namespace Synack.Client;

/// <summary>
/// Connects to TCP servers: resolves every address (IPv4 and IPv6), races them Happy Eyeballs style (RFC 8305), applies
/// one deadline, and fails with one <see cref="SynackException"/> that says which of the classic cases happened.
/// </summary>
/// <remarks>
/// Failure kinds: <see cref="ErrorKind.NameResolution"/> (getaddrinfo failed), <see cref="ErrorKind.Refused"/> (RST: nothing
/// listens), <see cref="ErrorKind.Unreachable"/> (no route), <see cref="ErrorKind.TimedOut"/> (no answer within
/// <see cref="ConnectOptions.ConnectTimeout"/>). Cancellation throws <see cref="OperationCanceledException"/>.
/// </remarks>
public static class SynackClient
{
    /// <summary>Connects to <paramref name="host"/> (a name or an address literal) on <paramref name="port"/>.</summary>
    public static Task<Connection> ConnectAsync(string host, int port, ConnectOptions? options = null, CancellationToken cancellationToken = default) =>
        ConnectTcpAsync(host, port, handler: null, options, cancellationToken);

    /// <summary>
    /// Connects as <see cref="ConnectAsync(string, int, ConnectOptions?, CancellationToken)"/> does, and serves the
    /// connection with <paramref name="handler"/>: <see cref="IInlineHandler.OnConnected"/> writes the first request,
    /// <see cref="IInlineHandler.OnReceived"/> is called with what the server sends and replies into a buffer that is sent
    /// when it returns. With <see cref="ConnectOptions.Transport"/> at its default this runs on the epoll fast path (one
    /// recv, one call, one send per batch on the loop thread, nothing allocated per message); elsewhere over the
    /// connection's pipes, with the same contract. After <see cref="IInlineHandler.OnEndOfStream"/> or a
    /// <see cref="SynackException"/> from the handler the connection closes gracefully; another exception aborts it.
    /// </summary>
    /// <returns>The connection, already being served; <see cref="Connection.Closed"/> says when and why it ended.</returns>
    public static Task<Connection> ConnectAsync(string host, int port, IInlineHandler handler, ConnectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return ConnectTcpAsync(host, port, handler, options, cancellationToken);
    }

    /// <summary>
    /// Connects to <paramref name="endPoint"/> as <see cref="ConnectAsync(EndPoint, ConnectOptions?, CancellationToken)"/>
    /// does and serves it with an inline <paramref name="handler"/>, as
    /// <see cref="ConnectAsync(string, int, IInlineHandler, ConnectOptions?, CancellationToken)"/> describes.
    /// </summary>
    public static Task<Connection> ConnectAsync(EndPoint endPoint, IInlineHandler handler, ConnectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return endPoint switch
        {
            IPEndPoint ip => ConnectTcpAsync(ip.Address.ToString(), ip.Port, handler, options, cancellationToken),
            DnsEndPoint dns => ConnectTcpAsync(dns.Host, dns.Port, handler, options, cancellationToken),
            UnixDomainSocketEndPoint unix => ConnectUnixAsync(unix, handler, options ?? new ConnectOptions(), cancellationToken),
            null => throw new ArgumentNullException(nameof(endPoint)),
            _ => throw new ArgumentException($"cannot connect to a {endPoint.GetType().Name}", nameof(endPoint)),
        };
    }

    private static async Task<Connection> ConnectTcpAsync(string host, int port, IInlineHandler? handler, ConnectOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        Check.Range(port, 1, 65535);
        options ??= new ConnectOptions();
        var target = new DnsEndPoint(host, port);

        using var deadline = new CancellationTokenSource(options.ConnectTimeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            IReadOnlyList<IPAddress> addresses = await ResolveAsync(host, target, options, linked.Token).ConfigureAwait(false);
            IPEndPoint[] endPoints = addresses.Select(a => new IPEndPoint(a, port)).ToArray();
            EpollLoop? loop = EngineChoice.UsesEpoll(options.Transport, handler is not null)
                ? (options.Loops ?? EpollLoopGroup.Default).Next()
                : null;
            Socket socket = await HappyEyeballs.RaceAsync(endPoints, options.AttemptDelay, options.TimeProvider,
                (endPoint, token) => ConnectOneAsync(endPoint, options, loop, token), linked.Token).ConfigureAwait(false);
            return await StartAsync(socket, options, handler, loop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw ConnectTimedOut(options, target);
        }
    }

    /// <summary>
    /// Connects to an endpoint: an <see cref="IPEndPoint"/> (one address, no racing), a <see cref="DnsEndPoint"/> (as
    /// <see cref="ConnectAsync(string, int, ConnectOptions?, CancellationToken)"/>) or a <see cref="UnixDomainSocketEndPoint"/>
    /// (a Unix domain socket: same connection API, deadline and errors; the TCP-only options are skipped). A socket path
    /// with no listener fails as <see cref="ErrorKind.Refused"/>, a missing one as <see cref="ErrorKind.Unreachable"/>.
    /// </summary>
    public static Task<Connection> ConnectAsync(EndPoint endPoint, ConnectOptions? options = null, CancellationToken cancellationToken = default) => endPoint switch
    {
        IPEndPoint ip => ConnectAsync(ip.Address.ToString(), ip.Port, options, cancellationToken),
        DnsEndPoint dns => ConnectAsync(dns.Host, dns.Port, options, cancellationToken),
        UnixDomainSocketEndPoint unix => ConnectUnixAsync(unix, handler: null, options ?? new ConnectOptions(), cancellationToken),
        null => throw new ArgumentNullException(nameof(endPoint)),
        _ => throw new ArgumentException($"cannot connect to a {endPoint.GetType().Name}", nameof(endPoint)),
    };

    private static async Task<Connection> ConnectUnixAsync(UnixDomainSocketEndPoint endPoint, IInlineHandler? handler, ConnectOptions options, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(options.ConnectTimeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(endPoint, linked.Token).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            // ENOENT arrives as AddressNotAvailable: for a socket path that means "no such file", not "address in use".
            throw e.SocketErrorCode == SocketError.AddressNotAvailable
                ? new SynackException(ErrorKind.Unreachable, "connect", "no such socket file", null, endPoint, e.SocketErrorCode, e)
                : SocketErrors.FromSocketError(e.SocketErrorCode, "connect", null, endPoint, e);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw ConnectTimedOut(options, endPoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        // Unix sockets stay on the runtime's engine: a non-blocking connect() there answers EAGAIN for a full backlog,
        // which is not the in-progress handshake the epoll connect waits for.
        return await StartAsync(socket, options, handler, loop: null).ConfigureAwait(false);
    }

    /// <summary>The error for a connect that did not finish within <see cref="ConnectOptions.ConnectTimeout"/>.</summary>
    private static SynackException ConnectTimedOut(ConnectOptions options, EndPoint target) =>
        new(ErrorKind.TimedOut, "connect", $"no connection within {options.ConnectTimeout.TotalSeconds:0.###} s", null, target, SocketError.TimedOut);

    /// <summary>
    /// Wraps a connected socket on its engine: the TLS handshake first when configured, then the pumps, or the inline
    /// engine for an inline handler on epoll; an inline handler elsewhere runs over the pipes (<see cref="ClientInlineHandling"/>).
    /// </summary>
    private static async Task<Connection> StartAsync(Socket socket, ConnectOptions options, IInlineHandler? handler, EpollLoop? loop)
    {
        Connection connection;
        try
        {
            // The inline engine has no TLS: over TLS an inline handler runs over the pipes, on the same engine.
            connection = new Connection(socket, options.Connection, options.TimeProvider, isServer: false, loop, options.Tls is null ? handler : null, preamble: options.Tls is not null);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        if (connection.IsInline)
        {
            connection.Owner = ClientInlineHandling.Owner;
            connection.Start();
            return connection;
        }

        if (options.Tls is { } tls)
        {
            await connection.StartTlsClientAsync(tls.Authentication, tls.HandshakeTimeout).ConfigureAwait(false);
        }
        else
        {
            connection.Start();
        }

        if (handler is not null)
        {
            ClientInlineHandling.RunOverPipes(connection, handler);
        }

        return connection;
    }

    private static async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, DnsEndPoint target, ConnectOptions options, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? literal))
        {
            return new[] { literal };
        }

        IPAddress[] resolved;
        try
        {
            resolved = await options.Resolver(host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new SynackException(ErrorKind.NameResolution, "resolve", SocketErrors.Describe(e.SocketErrorCode), null, target, e.SocketErrorCode, e);
        }

        IReadOnlyList<IPAddress> ordered = HappyEyeballs.Interleave(resolved);
        return ordered.Count > 0
            ? ordered
            : throw new SynackException(ErrorKind.NameResolution, "resolve", "the name has no addresses", null, target, SocketError.NoData);
    }

    private static async Task<Socket> ConnectOneAsync(IPEndPoint endPoint, ConnectOptions options, EpollLoop? loop, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (options.LocalEndPoint is { } local)
            {
                socket.Bind(local);
            }

            if (loop is not null)
            {
                await EpollConnect.ConnectAsync(socket, endPoint, loop, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            }

            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw SocketErrors.FromSocketError(e.SocketErrorCode, "connect", options.LocalEndPoint, endPoint, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
