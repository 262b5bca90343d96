using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Synack.Connections;
using Synack.Errors;
using Synack.Transport.Tls;

namespace Synack.Transport.Pipes;

/// <summary>
/// TLS: an <see cref="SslStream"/> between the pumps and the socket's own stream (<see cref="TlsByteStream"/>). The
/// handshake runs before the pumps start, bounded by a timeout, so a peer that never sends a ClientHello cannot hold a
/// connection slot; after it the pipes carry plaintext and every other behaviour (framing, limits, timeouts, close
/// reasons) is unchanged. Half-close sends TLS close_notify, then FIN.
/// </summary>
internal sealed partial class PipesEngine
{
    public override SslProtocols? TlsProtocol => (_stream as TlsByteStream)?.Protocol;

    public override string? TlsServerName => (_stream as TlsByteStream)?.ServerName;

    /// <exception cref="SynackException"><see cref="ErrorKind.Tls"/> when the handshake fails, <see cref="ErrorKind.TimedOut"/> after <paramref name="timeout"/>.</exception>
    public override async Task StartTlsAsync(Func<SslStream, CancellationToken, Task> handshake, TimeSpan timeout)
    {
        // TLS is an adapter over the engine's byte stream: the runtime's socket stream, or the epoll loop's.
        var fence = new TlsShutdownFence();
        var ssl = new SslStream(fence.Wrap(_socketStream.AsStream()), leaveInnerStreamOpen: true);
        using var deadline = new CancellationTokenSource(timeout, Time);
        try
        {
            await handshake(ssl, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException && deadline.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            Abort(CloseReason.Timeout);
            throw new SynackException(ErrorKind.TimedOut, "tls", $"no TLS handshake within {timeout.TotalSeconds:0.###} s",
                Host.LocalEndPoint, Host.RemoteEndPoint, SocketError.TimedOut, e, Host.Metrics);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            Abort(CloseReason.ProtocolError);
            throw new SynackException(ErrorKind.Tls, "tls", e.Message, Host.LocalEndPoint, Host.RemoteEndPoint, SocketError.Success, e, Host.Metrics);
        }

        _stream = new TlsByteStream(ssl, _socketStream, fence);
    }
}
