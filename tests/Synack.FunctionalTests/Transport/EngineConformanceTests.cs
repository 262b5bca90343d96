using System.Net.Sockets;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Transport;

/// <summary>
/// One set of behaviour cases run against every engine an async handler or client can get, server side and client side,
/// in one test run (issue 12, part 5; Netty's SocketTestPermutation and Go's nettest.TestConn are the precedent): the
/// pipes engine on the runtime's sockets, the direct engine on epoll, and the pipes engine on epoll; and, where the peer
/// is a SynackClient, TLS over the sockets and the epoll transport, server and client side.
/// </summary>
/// <remarks>
/// Runs alone, after the parallel tests (<see cref="Diagnostics.QuietProcess"/>).
/// </remarks>
[Collection(nameof(Diagnostics.QuietProcess))]
public class EngineConformanceTests
{
    public enum Engine
    {
        Sockets,
        EpollDirect,
        EpollPipes,
        SocketsTls,
        EpollTls,
    }

    public static TheoryData<Engine> Engines => EpollSupported()
        ? new() { Engine.Sockets, Engine.EpollDirect, Engine.EpollPipes }
        : new() { Engine.Sockets };

    /// <summary>
    /// The engines, and TLS over each transport (server and client side), for the cases whose peer is a
    /// <see cref="SynackClient"/>: a raw socket cannot speak TLS.
    /// </summary>
    /// <remarks>
    /// EpollTls was out of these cases at stop 20: under full CI runs its megabyte and half-close cases failed in 2 of 8.
    /// The cause was SslStream's close_notify racing a concurrent decrypt (see Transport/Tls/TlsShutdownFence.cs and
    /// TlsHalfCloseRaceTests), on either transport; it is fenced since stop 21.
    /// </remarks>
    public static TheoryData<Engine> EnginesAndTls => EpollSupported()
        ? new() { Engine.Sockets, Engine.EpollDirect, Engine.EpollPipes, Engine.SocketsTls, Engine.EpollTls }
        : new() { Engine.Sockets, Engine.SocketsTls };

    private static bool IsTls(Engine engine) => engine is Engine.SocketsTls or Engine.EpollTls;

    private static bool OnSockets(Engine engine) => engine is Engine.Sockets or Engine.SocketsTls;

    private static readonly Lazy<System.Security.Cryptography.X509Certificates.X509Certificate2> Certificate = new(() =>
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(
            created.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
    });

    private static bool EpollSupported() => Synack.Transport.Epoll.EpollLoop.IsSupported;

    private static void Use(Engine engine, ServerOptions options)
    {
        options.Transport = OnSockets(engine) ? SynackTransport.Sockets : SynackTransport.Epoll;
        options.Connection.PipesOnEpoll = engine == Engine.EpollPipes;
        NoRateRules(options.Connection);
        if (IsTls(engine))
        {
            options.Tls = new Synack.Tls.TlsServerOptions(new System.Net.Security.SslServerAuthenticationOptions { ServerCertificate = Certificate.Value });
        }
    }

    /// <summary>
    /// No minimum data rates: these cases are about bytes and closes, and the rate rules have their own tests. In one full
    /// CI run at stop 20 two EpollTls cases (and one at stop 19) were aborted for a timeout about 6 s in, the rules' 5 s
    /// grace, with the CLI suite's benches running beside them; alone they pass. Without the rules a starved case only
    /// takes longer, and a real stall still fails, at the test's 30 s bound (stop 20's note).
    /// </summary>
    private static ConnectionOptions NoRateRules(ConnectionOptions options)
    {
        options.MinReceiveRate = null;
        options.MinSendRate = null;
        return options;
    }

    private static ConnectOptions Client(Engine engine) => new()
    {
        Transport = OnSockets(engine) ? SynackTransport.Sockets : SynackTransport.Epoll,
        Connection = NoRateRules(new ConnectionOptions { IdleTimeout = Timeout.InfiniteTimeSpan, PipesOnEpoll = engine == Engine.EpollPipes }),
        Tls = IsTls(engine)
            ? new Synack.Tls.TlsClientOptions(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && c.GetCertHashString() == Certificate.Value.GetCertHashString(),
            })
            : null,
    };

    [Theory]
    [MemberData(nameof(EnginesAndTls))]
    public async Task EveryByteOfAMegabyteWrittenInOddSizedPiecesComesBackInOrder(Engine engine)
    {
        await using var server = Loopback.StartServer(ConnectionHandlers.Echo, o => Use(engine, o));
        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint(), Client(engine)).Within();
        byte[] data = new byte[1024 * 1024];
        new Random(12).NextBytes(data);

        Task sending = Task.Run(async () =>
        {
            var random = new Random(7);
            for (int offset = 0; offset < data.Length;)
            {
                int size = Math.Min(random.Next(1, 9000), data.Length - offset);
                await client.SendAsync(data.AsMemory(offset, size));
                offset += size;
            }

            await client.CompleteOutputAsync();
        });

        byte[] echoed = await client.ReadAllInputAsync().Within();
        await sending.Within();
        Assert.Equal(data, echoed);
        Assert.Equal(CloseReason.LocalHalfCloseThenRemoteFin, await client.ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(EnginesAndTls))]
    public async Task AHalfClosedClientStillReadsTheWholeReplyAndBothSidesRecordWhoClosedFirst(Engine engine)
    {
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            byte[] request = await c.ReadAllInputAsync();
            await c.SendAsync(Enumerable.Repeat(request, 4096).SelectMany(b => b).ToArray());
        }, o => Use(engine, o));

        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint(), Client(engine)).Within();
        await client.SendAsync("question"u8.ToArray());
        await client.CompleteOutputAsync().Within();

        byte[] reply = await client.ReadAllInputAsync().Within();
        Assert.Equal(8 * 4096, reply.Length);
        Assert.Equal(CloseReason.LocalHalfCloseThenRemoteFin, await client.ClosedWithin());
        Assert.Equal(CloseReason.RemoteFin, await (await serverSide.Task.Within()).ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task APeerResetDuringAReadFailsItAsResetAndRecordsRemoteReset(Engine engine)
    {
        var failure = new TaskCompletionSource<SynackException>();
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            try
            {
                await c.ReadLineAsync();
            }
            catch (SynackException e)
            {
                failure.SetResult(e);
            }
        }, o => Use(engine, o));

        using (Socket peer = await Loopback.ConnectRawAsync(server.EndPoint()))
        {
            await peer.SendAsync("half a li"u8.ToArray());
            Connection connection = await serverSide.Task.Within();
            await Loopback.Until(() => connection.BytesReceived == 9);
            peer.Reset();
        }

        Assert.Equal(ErrorKind.Reset, (await failure.Task.Within()).Kind);
        Assert.Equal(CloseReason.RemoteReset, await (await serverSide.Task.Within()).ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task ASendAfterAResetNobodyReadFailsAsAWriteError(Engine engine)
    {
        var serverSide = new TaskCompletionSource<Connection>();
        var resetSeen = new TaskCompletionSource();
        var failure = new TaskCompletionSource<SynackException>();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            await resetSeen.Task; // the handler never reads: the engine finds the reset on its own
            try
            {
                await c.SendAsync("too late"u8.ToArray());
            }
            catch (SynackException e)
            {
                failure.SetResult(e);
            }
        }, o => Use(engine, o));

        using (Socket peer = await Loopback.ConnectRawAsync(server.EndPoint()))
        {
            await serverSide.Task.Within();
            peer.Reset();
        }

        Connection connection = await serverSide.Task.Within();
        await Loopback.Until(() => connection.CloseReason == CloseReason.RemoteReset);
        resetSeen.SetResult();

        SynackException error = await failure.Task.Within();
        Assert.Equal("write", error.Operation); // the send's own operation, whichever side found the reset
        Assert.True(error.Kind is ErrorKind.Reset or ErrorKind.BrokenPipe, error.ToString());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task AReadWaitingWhenAnotherThreadClosesTheConnectionEndsAndThePeerGetsAFin(Engine engine)
    {
        var waiting = new TaskCompletionSource<Connection>();
        var ended = new TaskCompletionSource<Exception?>();
        await using var server = Loopback.StartServer(async c =>
        {
            waiting.SetResult(c);
            try
            {
                await c.ReadLineAsync();
                ended.SetResult(null);
            }
            catch (SynackException e)
            {
                ended.SetResult(e);
            }
        }, o => Use(engine, o));

        using Socket peer = await Loopback.ConnectRawAsync(server.EndPoint());
        Connection connection = await waiting.Task.Within();
        await Task.Run(() => connection.CloseAsync()).Within();

        Exception? error = await ended.Task.Within();
        Assert.True(error is null || error is SynackException { Kind: ErrorKind.Closed }, $"the read ended with {error}");
        Assert.Empty(await peer.ReadToEndAsync()); // FIN, not RST
        peer.Shutdown(SocketShutdown.Send);
        Assert.Equal(CloseReason.LocalClose, await connection.ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task AnAbortFailsAWaitingReadAndThePeerSeesAReset(Engine engine)
    {
        var waiting = new TaskCompletionSource<Connection>();
        var ended = new TaskCompletionSource<Exception>();
        await using var server = Loopback.StartServer(async c =>
        {
            waiting.SetResult(c);
            try
            {
                await c.ReadLineAsync();
            }
            catch (Exception e)
            {
                ended.SetResult(e);
            }
        }, o => Use(engine, o));

        using Socket peer = await Loopback.ConnectRawAsync(server.EndPoint());
        Connection connection = await waiting.Task.Within();
        connection.Abort();

        Assert.IsType<SynackException>(await ended.Task.Within());
        var reset = await Assert.ThrowsAsync<SocketException>(() => peer.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        Assert.Equal(CloseReason.LocalAbort, await connection.ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task InputTheHandlerHasNotReadCostsAtMostTheReadBufferCap(Engine engine)
    {
        const int cap = 64 * 1024;
        var serverSide = new TaskCompletionSource<Connection>();
        var release = new TaskCompletionSource();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            await release.Task; // judges nothing: a hostile peer's bytes must wait in the kernel, not in our memory
        }, o =>
        {
            Use(engine, o);
            o.Connection.MaxReadBufferSize = cap;
        });

        using Socket peer = await Loopback.ConnectRawAsync(server.EndPoint());
        Connection connection = await serverSide.Task.Within();
        peer.Blocking = false;
        byte[] junk = new byte[64 * 1024];
        long sent = 0;
        while (sent < 64L * 1024 * 1024)
        {
            int n = peer.Send(junk, 0, junk.Length, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock)
            {
                // Both windows are full: the server reads no more until the handler asks.
                Assert.InRange(connection.BytesReceived, 0, cap + (64 * 1024));
                release.SetResult();
                return;
            }

            Assert.Equal(SocketError.Success, error);
            sent += n;
        }

        Assert.Fail($"the server took {sent} bytes its handler never asked for");
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task ASendTimeoutEndsAConnectionWhosePeerStopsReadingWhileTheHandlerKeepsWriting(Engine engine)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            byte[] chunk = new byte[1024];
            try
            {
                while (true)
                {
                    await c.SendAsync(chunk); // each send below the pending cap returns at once: the clock must not restart
                }
            }
            catch (SynackException)
            {
            }
        }, o =>
        {
            Use(engine, o);
            o.Connection.SendTimeout = TimeSpan.FromSeconds(5);
            o.Connection.IdleTimeout = Timeout.InfiniteTimeSpan;
            o.Connection.MaxPendingSendBytes = 256 * 1024;
        }, time);

        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        await peer.ConnectAsync(server.EndPoint()).WaitAsync(Loopback.Patience); // never reads
        Connection connection = await serverSide.Task.Within();

        await Loopback.Until(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1)); // the watchdog runs on the fake clock
            return connection.Closed.IsCompleted;
        });
        Assert.Equal(CloseReason.Timeout, await connection.ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(EnginesAndTls))]
    public async Task ConcurrentSendsFromManyTasksEachArriveContiguously(Engine engine)
    {
        await using var server = Loopback.StartServer(async c =>
        {
            await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            {
                byte[] unit = Enumerable.Repeat((byte)('a' + i), 2000).Append((byte)'\n').ToArray();
                for (int k = 0; k < 50; k++)
                {
                    await c.SendAsync(unit);
                }
            })));
        }, o => Use(engine, o));

        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint(), Client(engine)).Within();
        int lines = 0;
        while (await client.ReadLineAsync(maxLength: 4096).Within() is { } line)
        {
            Assert.Equal(2000, line.Length);
            Assert.All(line, ch => Assert.Equal(line[0], ch));
            lines++;
        }

        Assert.Equal(16 * 50, lines);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task ASlowReaderHoldsUpTheSenderWithoutLosingOrReorderingAByte(Engine engine)
    {
        byte[] data = new byte[8 * 1024 * 1024];
        new Random(3).NextBytes(data);
        await using var server = Loopback.StartServer(c => c.SendAsync(data).AsTask(), o =>
        {
            Use(engine, o);
            o.Connection.MaxPendingSendBytes = 64 * 1024;
        });

        using Socket peer = await Loopback.ConnectRawAsync(server.EndPoint());
        var received = new MemoryStream();
        byte[] small = new byte[1500];
        int n;
        while ((n = await peer.ReceiveAsync(small.AsMemory(), SocketFlags.None).AsTask().Within()) > 0)
        {
            received.Write(small, 0, n); // one packet's worth at a time: the server's sends keep hitting a full window
        }

        Assert.Equal(data, received.ToArray());
    }
}
