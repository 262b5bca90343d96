using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Synack.Client;
using Synack.Connections;
using Synack.FunctionalTests.Diagnostics;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;
using Synack.Tls;

namespace Synack.FunctionalTests.Tls;

/// <summary>
/// A TLS message on epoll allocates nothing once warm, on either side. Each read that waited for the next record
/// allocated an async box in the TLS adapter and its fence (544 B per 32-byte echo round trip, client and server
/// together; 0.2 B with pooled boxes: docs/benchmarks.md, stop 22). Allocation is counted for the whole process, so this
/// runs in the quiet collection, with no other test beside it.
/// </summary>
[Collection(nameof(QuietProcess))]
public sealed class TlsAllocationTests
{
    [Fact]
    public async Task ATlsEchoOnEpollAllocatesAlmostNothingPerMessageOnceWarm()
    {
        if (!Synack.Transport.Epoll.EpollLoop.IsSupported)
        {
            return;
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using X509Certificate2 created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using X509Certificate2 certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        await using SynackServer server = Loopback.StartServer(ConnectionHandlers.Echo, o =>
        {
            o.Transport = SynackTransport.Epoll;
            o.Tls = new TlsServerOptions(new SslServerAuthenticationOptions { ServerCertificate = certificate });
        });
        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint(), new ConnectOptions
        {
            Transport = SynackTransport.Epoll,
            Tls = new TlsClientOptions(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, seen, _, _) => seen is not null && new X509Certificate2(seen).Thumbprint == certificate.Thumbprint,
            }),
        });

        byte[] message = new byte[32], reply = new byte[32];
        async Task EchoAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                message[0] = (byte)i;
                // ConfigureAwait(false): xunit's synchronization context would allocate a post per await.
                await client.SendAsync(message).ConfigureAwait(false);
                await client.ReadExactlyAsync(reply).ConfigureAwait(false);
                if (reply[0] != message[0])
                {
                    Assert.Fail($"echo {i} came back as {reply[0]}"); // (not Assert.Equal: it allocates per call)
                }
            }
        }

        await EchoAsync(2_000).WaitAsync(TimeSpan.FromMinutes(2)); // warm: pools filled, code jitted
        const int Measured = 5_000;
        long before = GC.GetTotalAllocatedBytes(precise: true);
        await EchoAsync(Measured).WaitAsync(TimeSpan.FromMinutes(2));
        double perMessage = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Measured;

        // 544 B before; the bound leaves room for the process's own background work (timers, the loop watchdog).
        Assert.True(perMessage < 64, $"{perMessage:F1} B allocated per TLS echo round trip");
    }
}
