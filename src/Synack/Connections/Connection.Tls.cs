using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using Synack.Errors;

namespace Synack.Connections;

/// <summary>
/// TLS: an <see cref="SslStream"/> between the pumps and the socket. The handshake runs before the pumps start, bounded
/// by a timeout, so a peer that never sends a ClientHello cannot hold a connection slot; after it, Input and Output carry
/// plaintext and every other behaviour (framing, limits, timeouts, close reasons) is unchanged. Half-close sends TLS
/// close_notify, then FIN.
/// </summary>
public sealed partial class Connection
{
    private SslStream? _tls;

    /// <summary>The negotiated TLS protocol, or <c>null</c> for a plain TCP connection.</summary>
    public SslProtocols? TlsProtocol => _tls?.SslProtocol;

    /// <summary>The server name the client asked for (SNI), on a TLS server connection.</summary>
    public string? TlsServerName => _tls?.TargetHostName;

    /// <summary>Authenticates as a TLS server, then starts the pumps.</summary>
    /// <exception cref="SynackException"><see cref="ErrorKind.Tls"/> when the handshake fails, <see cref="ErrorKind.TimedOut"/> after <paramref name="timeout"/>.</exception>
    internal Task StartTlsServerAsync(SslServerAuthenticationOptions options, TimeSpan timeout) =>
        StartTlsAsync((ssl, token) => ssl.AuthenticateAsServerAsync(options, token), timeout);

    /// <summary>Authenticates as a TLS client, then starts the pumps.</summary>
    internal Task StartTlsClientAsync(SslClientAuthenticationOptions options, TimeSpan timeout) =>
        StartTlsAsync((ssl, token) => ssl.AuthenticateAsClientAsync(options, token), timeout);

    private async Task StartTlsAsync(Func<SslStream, CancellationToken, Task> handshake, TimeSpan timeout)
    {
        // TLS is an adapter over the engine's byte stream: the runtime's socket stream, or the epoll loop's.
        Stream transport = _epoll is { } epoll
            ? new Transport.Epoll.EpollStream(_socket, epoll, (Transport.Epoll.EpollSender)_sender)
            : new NetworkStream(_socket, ownsSocket: false);
        var ssl = new SslStream(transport, leaveInnerStreamOpen: true);
        using var deadline = new CancellationTokenSource(timeout, _time);
        try
        {
            await handshake(ssl, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException && deadline.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            AbortCore(CloseReason.Timeout);
            throw new SynackException(ErrorKind.TimedOut, "tls", $"no TLS handshake within {timeout.TotalSeconds:0.###} s",
                LocalEndPoint, RemoteEndPoint, SocketError.TimedOut, e);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            AbortCore(CloseReason.ProtocolError);
            throw new SynackException(ErrorKind.Tls, "tls", e.Message, LocalEndPoint, RemoteEndPoint, SocketError.Success, e);
        }

        _tls = ssl;
        Start();
    }

    /// <summary>
    /// Apart from <see cref="ReleaseSocketCore"/>, so that compiling the release path of a plain TCP connection does not
    /// load System.Net.Security: loading an assembly opens its file, and at the descriptor limit that failed and took the
    /// process down (issue 14, problem 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DisposeTls() => _tls!.Dispose();

    /// <summary>
    /// Loads, at server start, what the close path of a TLS connection needs (System.Net.Security), so that no
    /// connection's release ever loads an assembly, which needs a free descriptor (issue 14, problem 1).
    /// </summary>
    internal static void WarmReleasePath() => RuntimeHelpers.RunClassConstructor(typeof(SslStream).TypeHandle);

    /// <summary>Reads plaintext, or -1 when this is not a TLS connection.</summary>
    private ValueTask<int> ReceiveTlsAsync(Memory<byte> buffer) => _tls!.ReadAsync(buffer);

    /// <summary>Sends close_notify before the FIN, so the peer can tell a clean end from a truncation attack.</summary>
    private async Task ShutdownTlsAsync()
    {
        try
        {
            await _tls!.ShutdownAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer is gone already; the FIN (or the reset) says the rest.
        }
    }
}
