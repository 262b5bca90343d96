using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Synack.Client;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;
using Synack.Tls;

namespace Synack.FunctionalTests.Tls;

/// <summary>
/// A TLS half-close while the peer's records are still being decrypted (issue 12's known bug, stop 21): SslStream built
/// close_notify outside the lock its reads decrypt under, and the OpenSSL object is not thread-safe. Before the fence,
/// 1 MiB echoes with both ends on epoll, 4 at a time, failed in 3 to 8 of 300 ("bad record mac", "wrong version number",
/// SSL_ERROR_SYSCALL, or a close_notify that never came).
/// </summary>
public sealed class TlsHalfCloseRaceTests
{
    private static readonly Lazy<X509Certificate2> Certificate = new(() =>
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using X509Certificate2 created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    });

    public static TheoryData<SynackTransport> Transports => Synack.Transport.Epoll.EpollLoop.IsSupported
        ? new() { SynackTransport.Sockets, SynackTransport.Epoll }
        : new() { SynackTransport.Sockets };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task HalfClosingWhileTheEchoIsStillBeingDecryptedNeverCorruptsOrStallsTheStream(SynackTransport transport)
    {
        const int Echoes = 64;
        var failures = new ConcurrentQueue<string>();
        byte[] data = new byte[1024 * 1024];
        new Random(12).NextBytes(data);

        await using var server = Loopback.StartServer(ConnectionHandlers.Echo, o =>
        {
            o.Transport = transport;
            o.Connection.MinReceiveRate = null; // about bytes and closes: a starved CI core only makes a case slower
            o.Connection.MinSendRate = null;
            o.Tls = new TlsServerOptions(new SslServerAuthenticationOptions { ServerCertificate = Certificate.Value });
        });

        await Parallel.ForAsync(0, Echoes, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            try
            {
                await using Connection client = await SynackClient.ConnectAsync(server.EndPoint(), Client(transport)).Within();
                Task sending = Task.Run(async () =>
                {
                    var random = new Random(i);
                    for (int offset = 0; offset < data.Length;)
                    {
                        int size = Math.Min(random.Next(1, 9000), data.Length - offset);
                        await client.SendAsync(data.AsMemory(offset, size));
                        offset += size;
                    }

                    await client.CompleteOutputAsync(); // close_notify while the echo is still arriving
                });

                byte[] echoed = await client.ReadAllInputAsync().Within();
                await sending.Within();
                if (!echoed.AsSpan().SequenceEqual(data))
                {
                    failures.Enqueue($"echo {i}: {echoed.Length} bytes back, not the {data.Length} sent");
                }
            }
            catch (Exception e)
            {
                failures.Enqueue($"echo {i}: {e.GetType().Name}: {e.Message} {e.InnerException?.Message} {e.InnerException?.InnerException?.Message}");
            }
        });

        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine, failures));
    }

    private static ConnectOptions Client(SynackTransport transport) => new()
    {
        Transport = transport,
        Connection = new ConnectionOptions { IdleTimeout = Timeout.InfiniteTimeSpan, MinReceiveRate = null, MinSendRate = null },
        Tls = new TlsClientOptions(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && c.GetCertHashString() == Certificate.Value.GetCertHashString(),
        }),
    };
}
