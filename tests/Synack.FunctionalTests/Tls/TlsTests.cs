using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.ProxyProtocol;
using Synack.Server;
using Synack.Tls;

namespace Synack.FunctionalTests.Tls;

public sealed class TlsTests
{
    /// <summary>A self-signed server certificate for <paramref name="name"/>, generated in memory.</summary>
    private static X509Certificate2 Certificate(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Client options that trust exactly the given certificates (by thumbprint) and name <paramref name="host"/>.</summary>
    public static TheoryData<SynackTransport> Transports => new() { SynackTransport.Sockets, SynackTransport.Epoll };

    /// <summary>Server options: TLS on the given engine.</summary>
    private static Action<ServerOptions> WithTls(SynackTransport transport, TlsServerOptions tls) => o =>
    {
        o.Transport = transport;
        o.Tls = tls;
    };

    private static ConnectOptions TrustOnly(string host, params X509Certificate2[] trusted) => TrustOnly(SynackTransport.Auto, host, trusted);

    /// <summary>As <see cref="TrustOnly(string, X509Certificate2[])"/>, on the given client engine.</summary>
    private static ConnectOptions TrustOnly(SynackTransport transport, string host, params X509Certificate2[] trusted) => new()
    {
        Transport = transport,
        Tls = new TlsClientOptions(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && trusted.Any(t => t.Thumbprint == new X509Certificate2(certificate).Thumbprint),
        }),
    };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task FramesRoundTripOverTlsAndTheConnectionClosesWithCloseNotifyThenFin(SynackTransport transport)
    {
        using X509Certificate2 certificate = Certificate("localhost");
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.TrySetResult(c);
            await Loopback.LineEcho(c);
        }, WithTls(transport, new TlsServerOptions(new SslServerAuthenticationOptions { ServerCertificate = certificate })));

        Connection client = await SynackClient.ConnectAsync("127.0.0.1", server.EndPoint().Port, TrustOnly(transport, "localhost", certificate));
        for (int i = 0; i < 50; i++)
        {
            await client.SendLineAsync($"secret {i}");
            Assert.Equal($"secret {i}", await client.ReadLineAsync().Within());
        }

        Assert.True(client.TlsProtocol >= SslProtocols.Tls12);
        Assert.Equal(transport, server.Transport); // TLS no longer moves a connection off epoll (issue 12)
        Connection onServer = await serverSide.Task.Within();
        Assert.Equal("localhost", onServer.TlsServerName);
        Assert.Equal(CloseReason.LocalClose, await client.CloseAsync().WaitAsync(Loopback.Patience));
        Assert.Equal(CloseReason.RemoteFin, await onServer.ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task SniPicksTheCertificateForTheRequestedNameAndACallbackServesARenewedOneWithoutRestart(SynackTransport transport)
    {
        using X509Certificate2 alpha = Certificate("alpha.test");
        using X509Certificate2 beta = Certificate("beta.test");
        using X509Certificate2 betaRenewed = Certificate("beta.test");
        X509Certificate2 currentBeta = beta;
        await using var server = Loopback.StartServer(Loopback.LineEcho, WithTls(transport, new TlsServerOptions(new SslServerAuthenticationOptions
        {
            ServerCertificateSelectionCallback = (_, name) => name == "alpha.test" ? alpha : Volatile.Read(ref currentBeta),
        })));
        int port = server.EndPoint().Port;

        await using (Connection a = await SynackClient.ConnectAsync("127.0.0.1", port, TrustOnly(transport, "alpha.test", alpha)))
        {
            await a.SendLineAsync("a");
            Assert.Equal("a", await a.ReadLineAsync().Within());
        }

        await using (Connection b = await SynackClient.ConnectAsync("127.0.0.1", port, TrustOnly(transport, "beta.test", beta)))
        {
            await b.SendLineAsync("b");
            Assert.Equal("b", await b.ReadLineAsync().Within());
        }

        Volatile.Write(ref currentBeta, betaRenewed); // "reload": new connections get the renewed certificate
        var refused = await Assert.ThrowsAsync<SynackException>(() => SynackClient.ConnectAsync("127.0.0.1", port, TrustOnly(transport, "beta.test", beta)));
        Assert.Equal(ErrorKind.Tls, refused.Kind);
        await using Connection renewed = await SynackClient.ConnectAsync("127.0.0.1", port, TrustOnly(transport, "beta.test", betaRenewed));
        await renewed.SendLineAsync("c");
        Assert.Equal("c", await renewed.ReadLineAsync().Within());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AClientThatNeverSendsAClientHelloIsAbortedAfterTheHandshakeTimeout(SynackTransport transport)
    {
        using X509Certificate2 certificate = Certificate("localhost");
        var time = new FakeTimeProvider();
        await using var server = Loopback.StartServer(
            Loopback.LineEcho,
            WithTls(transport, new TlsServerOptions(new SslServerAuthenticationOptions { ServerCertificate = certificate }) { HandshakeTimeout = TimeSpan.FromSeconds(3) }),
            time);
        using Socket silent = await Loopback.ConnectRawAsync(server.EndPoint());
        await Loopback.Until(() => server.ActiveConnections == 1);

        TimeSpan advanced = await time.AdvanceUntil(TimeSpan.FromMilliseconds(500), () => server.ActiveConnections == 0);

        Assert.True(advanced >= TimeSpan.FromSeconds(3), $"aborted after {advanced} of fake time, before the 3 s handshake timeout");
        var reset = await Assert.ThrowsAsync<SocketException>(() => silent.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task APlainTextClientGetsATlsErrorAndTheServerKeepsServing(SynackTransport transport)
    {
        using X509Certificate2 certificate = Certificate("localhost");
        await using var server = Loopback.StartServer(Loopback.LineEcho,
            WithTls(transport, new TlsServerOptions(new SslServerAuthenticationOptions { ServerCertificate = certificate })));

        using (Socket plain = await Loopback.ConnectRawAsync(server.EndPoint()))
        {
            await plain.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
            await Assert.ThrowsAsync<SocketException>(() => plain.ReadToEndAsync()); // aborted: not TLS
        }

        await using Connection tls = await SynackClient.ConnectAsync("127.0.0.1", server.EndPoint().Port, TrustOnly(transport, "localhost", certificate));
        await tls.SendLineAsync("still serving");
        Assert.Equal("still serving", await tls.ReadLineAsync().Within());
    }

    [Fact]
    public async Task ThePROXYHeaderComesBeforeTheTlsHandshakeAndBothWorkTogether()
    {
        using X509Certificate2 certificate = Certificate("localhost");
        await using var server = Loopback.StartServer(ProxyProtocol.ProxyProtocolTests.WhoAmI, o =>
        {
            o.Tls = new TlsServerOptions(new SslServerAuthenticationOptions { ServerCertificate = certificate });
            o.ProxyProtocol = new ProxyProtocolOptions().Trust(IPNetwork.Parse("127.0.0.0/8"));
        });

        // A proxy in front: the header in clear, then TLS end to end.
        using Socket socket = await Loopback.ConnectRawAsync(server.EndPoint());
        var header = new System.Buffers.ArrayBufferWriter<byte>();
        new ProxyHeaderCodec().Encode(new ProxyHeader(2, IPEndPoint.Parse("203.0.113.9:5555"), IPEndPoint.Parse("198.51.100.1:443")), header);
        await socket.SendAsync(header.WrittenMemory);
        await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && new X509Certificate2(c).Thumbprint == certificate.Thumbprint,
        }).WaitAsync(Loopback.Patience);
        await ssl.WriteAsync("who\n"u8.ToArray());

        byte[] reply = new byte[64];
        int n = await ssl.ReadAsync(reply).AsTask().WaitAsync(Loopback.Patience);
        Assert.Equal("who from 203.0.113.9:5555\n", System.Text.Encoding.ASCII.GetString(reply, 0, n));
    }
}
