using System.Net.Security;

namespace Synack.Tls;

/// <summary>
/// TLS for a server's connections. SNI and certificate reload come from <see cref="SslServerAuthenticationOptions"/>:
/// set <c>ServerCertificateSelectionCallback</c> to pick a certificate by the requested name and to return the current
/// one, so a renewed certificate is served to new connections without a restart. A client that never completes the
/// handshake is aborted after <see cref="TlsHandshakeTimeout.HandshakeTimeout"/>.
/// </summary>
/// <param name="authentication">What SslStream needs to authenticate as the server.</param>
public sealed class TlsServerOptions(SslServerAuthenticationOptions authentication) : TlsHandshakeTimeout
{
    /// <summary>What SslStream needs to authenticate as the server.</summary>
    public SslServerAuthenticationOptions Authentication { get; } = authentication ?? throw new ArgumentNullException(nameof(authentication));
}
