using System.Net.Security;

namespace Synack.Tls;

/// <summary>TLS for a client connection: <see cref="SslClientAuthenticationOptions.TargetHost"/> names the server (SNI and validation).</summary>
/// <param name="authentication">What SslStream needs to authenticate as the client.</param>
public sealed class TlsClientOptions(SslClientAuthenticationOptions authentication) : TlsHandshakeTimeout
{
    /// <summary>What SslStream needs to authenticate as the client.</summary>
    public SslClientAuthenticationOptions Authentication { get; } = authentication ?? throw new ArgumentNullException(nameof(authentication));
}
