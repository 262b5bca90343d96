using System.Net;
using System.Net.Sockets;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Client;

/// <summary>Connect's six failure modes and Happy Eyeballs, on both client engines: the runtime's sockets and a non-blocking connect on epoll.</summary>
public sealed class ConnectTests
{
    public static TheoryData<SynackTransport> Transports => new() { SynackTransport.Sockets, SynackTransport.Epoll };

    private static readonly ConnectionHandler Greeter = async c => await c.SendLineAsync("hello");

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ConnectToAPortWithNoListenerFailsAsRefusedWithAnActionableMessage(SynackTransport transport)
    {
        int port = Loopback.UnusedPort();

        var error = await Assert.ThrowsAsync<SynackException>(() => SynackClient.ConnectAsync("127.0.0.1", port, new ConnectOptions { Transport = transport }));

        Assert.Equal(ErrorKind.Refused, error.Kind);
        Assert.Equal(SocketError.ConnectionRefused, error.SocketError);
        Assert.True(error.IsTransient);
        Assert.Equal($"connect tcp 127.0.0.1:{port} : connection refused (no server is listening; retry with backoff)", error.Message);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ConnectByNameResolvesAndReachesTheServer(SynackTransport transport)
    {
        await using var server = Loopback.StartServer(Greeter);

        await using Connection client = await SynackClient.ConnectAsync("localhost", server.EndPoint().Port, new ConnectOptions { Transport = transport }).Within();

        Assert.Equal("hello", await client.ReadLineAsync().Within());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ConnectFallsBackToIPv4WhenTheIPv6AddressRefuses(SynackTransport transport)
    {
        await using var server = Loopback.StartServer(Greeter); // IPv4 only
        var options = new ConnectOptions
        {
            Resolver = (_, _) => Task.FromResult(new[] { IPAddress.IPv6Loopback, IPAddress.Loopback }),
            Transport = transport,
        };

        await using Connection client = await SynackClient.ConnectAsync("dual.test", server.EndPoint().Port, options).Within();

        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)client.RemoteEndPoint).Address);
        Assert.Equal("hello", await client.ReadLineAsync().Within());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task HappyEyeballsConnectsToTheSecondAddressWhileTheFirstHangs(SynackTransport transport)
    {
        using var hole = new BlackHole();
        await using var server = SynackServer.Start(new ServerOptions().Listen(IPAddress.IPv6Loopback, hole.EndPoint.Port), Greeter);
        var options = new ConnectOptions
        {
            // The first address black-holes SYNs; without racing, the connect would wait out the whole timeout.
            Resolver = (_, _) => Task.FromResult(new[] { IPAddress.Loopback, IPAddress.IPv6Loopback }),
            ConnectTimeout = TimeSpan.FromSeconds(20),
            Transport = transport,
        };

        await using Connection client = await SynackClient.ConnectAsync("racing.test", hole.EndPoint.Port, options).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(IPAddress.IPv6Loopback, ((IPEndPoint)client.RemoteEndPoint).Address);
        Assert.Equal("hello", await client.ReadLineAsync().Within());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ConnectToASilentHostFailsAsTimedOutAfterTheConnectTimeout(SynackTransport transport)
    {
        using var hole = new BlackHole();
        var options = new ConnectOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300), Transport = transport };

        var error = await Assert.ThrowsAsync<SynackException>(() =>
            SynackClient.ConnectAsync("127.0.0.1", hole.EndPoint.Port, options)).Within();

        Assert.Equal(ErrorKind.TimedOut, error.Kind);
        Assert.StartsWith($"connect tcp 127.0.0.1:{hole.EndPoint.Port} : no connection within 0.3 s", error.Message);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CancellingAConnectThrowsOperationCanceled(SynackTransport transport)
    {
        using var hole = new BlackHole();
        using var cts = new CancellationTokenSource();
        Task<Connection> connecting = SynackClient.ConnectAsync("127.0.0.1", hole.EndPoint.Port, new ConnectOptions { Transport = transport }, cts.Token);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting).Within();
    }

    [Fact]
    public async Task AnUnresolvableNameFailsAsNameResolution()
    {
        var error = await Assert.ThrowsAsync<SynackException>(() => SynackClient.ConnectAsync("no-such-host.invalid", 80)).Within();

        Assert.Equal(ErrorKind.NameResolution, error.Kind);
        Assert.StartsWith("resolve tcp no-such-host.invalid:80 : ", error.Message);
    }

    [Fact]
    public async Task SocketOptionsAreAppliedToConnectedAndAcceptedSockets()
    {
        var accepted = new TaskCompletionSource<Connection>();
        var options = new ConnectionOptions { NoDelay = true, SendBufferSize = 256 * 1024 };
        options.KeepAlive.Idle = TimeSpan.FromSeconds(7);
        options.KeepAlive.Interval = TimeSpan.FromSeconds(3);
        options.KeepAlive.Count = 4;
        await using var server = Loopback.StartServer(async c =>
        {
            accepted.SetResult(c);
            await c.ReadLineAsync();
        }, o => o.Connection = options);

        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint(), new ConnectOptions { Connection = options }).Within();
        Connection serverSide = await accepted.Task.Within();

        foreach (Socket socket in new[] { client.Socket, serverSide.Socket })
        {
            Assert.True(socket.NoDelay);
            Assert.Equal(1, (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)!);
            Assert.Equal(7, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime)!);
            Assert.Equal(3, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval)!);
            Assert.Equal(4, (int)socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount)!);
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal(TimeSpan.FromSeconds(7 + 3 * 4), Synack.Transport.LinuxTcp.GetUserTimeout(socket));
            }

            Assert.True(socket.SendBufferSize >= 256 * 1024); // Linux doubles the requested size
        }
    }
}
