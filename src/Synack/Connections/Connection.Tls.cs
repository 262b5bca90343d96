using System.Net.Security;
using System.Security.Authentication;
using Synack.Errors;

namespace Synack.Connections;

/// <summary>
/// TLS: the handshake and the record I/O belong to the engine (<see cref="Transport.Pipes.PipesEngine"/>, with
/// <see cref="Transport.Tls.TlsByteStream"/> as the adapter over its byte stream); the connection shows what was negotiated
/// and starts once the handshake is done.
/// </summary>
public sealed partial class Connection
{
    /// <summary>The negotiated TLS protocol, or <c>null</c> for a plain TCP connection.</summary>
    public SslProtocols? TlsProtocol => _engine.TlsProtocol;

    /// <summary>The server name the client asked for (SNI), on a TLS server connection.</summary>
    public string? TlsServerName => _engine.TlsServerName;

    /// <summary>Authenticates as a TLS server, then starts the pumps.</summary>
    /// <exception cref="SynackException"><see cref="ErrorKind.Tls"/> when the handshake fails, <see cref="ErrorKind.TimedOut"/> after <paramref name="timeout"/>.</exception>
    internal Task StartTlsServerAsync(SslServerAuthenticationOptions options, TimeSpan timeout) =>
        StartTlsAsync((ssl, token) => ssl.AuthenticateAsServerAsync(options, token), timeout);

    /// <summary>Authenticates as a TLS client, then starts the pumps.</summary>
    internal Task StartTlsClientAsync(SslClientAuthenticationOptions options, TimeSpan timeout) =>
        StartTlsAsync((ssl, token) => ssl.AuthenticateAsClientAsync(options, token), timeout);

    private async Task StartTlsAsync(Func<SslStream, CancellationToken, Task> handshake, TimeSpan timeout)
    {
        await _engine.StartTlsAsync(handshake, timeout).ConfigureAwait(false);
        Start();
    }
}
