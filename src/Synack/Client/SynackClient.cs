using System.Net;
using System.Net.Sockets;
using Synack.Connections;
using Synack.Errors;

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
    public static async Task<Connection> ConnectAsync(string host, int port, ConnectOptions? options = null, CancellationToken cancellationToken = default)
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
            Socket socket = await HappyEyeballs.RaceAsync(endPoints, options.AttemptDelay, options.TimeProvider,
                (endPoint, token) => ConnectOneAsync(endPoint, options, token), linked.Token).ConfigureAwait(false);
            return await StartAsync(socket, options).ConfigureAwait(false);
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
        UnixDomainSocketEndPoint unix => ConnectUnixAsync(unix, options ?? new ConnectOptions(), cancellationToken),
        null => throw new ArgumentNullException(nameof(endPoint)),
        _ => throw new ArgumentException($"cannot connect to a {endPoint.GetType().Name}", nameof(endPoint)),
    };

    private static async Task<Connection> ConnectUnixAsync(UnixDomainSocketEndPoint endPoint, ConnectOptions options, CancellationToken cancellationToken)
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

        return await StartAsync(socket, options).ConfigureAwait(false);
    }

    /// <summary>The error for a connect that did not finish within <see cref="ConnectOptions.ConnectTimeout"/>.</summary>
    private static SynackException ConnectTimedOut(ConnectOptions options, EndPoint target) =>
        new(ErrorKind.TimedOut, "connect", $"no connection within {options.ConnectTimeout.TotalSeconds:0.###} s", null, target, SocketError.TimedOut);

    /// <summary>Wraps a connected socket: the TLS handshake first when configured, then the pumps.</summary>
    private static async Task<Connection> StartAsync(Socket socket, ConnectOptions options)
    {
        var connection = new Connection(socket, options.Connection, options.TimeProvider);
        if (options.Tls is { } tls)
        {
            await connection.StartTlsClientAsync(tls.Authentication, tls.HandshakeTimeout).ConfigureAwait(false);
        }
        else
        {
            connection.Start();
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

    private static async Task<Socket> ConnectOneAsync(IPEndPoint endPoint, ConnectOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (options.LocalEndPoint is { } local)
            {
                socket.Bind(local);
            }

            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
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
