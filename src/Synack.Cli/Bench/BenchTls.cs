using System.Net.Security;
using Synack.Tls;

namespace Synack.Cli.Bench;

/// <summary>bench --tls: the client side of a TLS run.</summary>
internal static class BenchTls
{
    /// <summary>
    /// TLS to <paramref name="host"/> without verifying the certificate: a bench measures a server, often one with a
    /// throwaway self-signed certificate, and does not authenticate it (wrk does the same; curl needs <c>-k</c>).
    /// </summary>
    public static TlsClientOptions Client(string host) => new(new SslClientAuthenticationOptions
    {
        TargetHost = host,
        RemoteCertificateValidationCallback = (_, _, _, _) => true,
    });
}
