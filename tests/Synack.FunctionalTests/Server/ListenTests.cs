using System.Net;
using System.Net.Sockets;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Server;

public sealed class ListenTests
{
    private static async Task AssertEchoesAsync(IPEndPoint endPoint)
    {
        using Socket client = await Loopback.ConnectRawAsync(endPoint);
        await client.SendAsync("ping\n"u8.ToArray());
        Assert.Equal("ping\n"u8.ToArray(), await client.ReadExactlyAsync(5));
    }

    [Fact]
    public async Task ServerListensOnIPv4AndIPv6EndpointsAtOnce()
    {
        await using var server = SynackServer.Start(new ServerOptions()
            .Listen(IPAddress.Loopback, 0)
            .Listen(IPAddress.IPv6Loopback, 0), Loopback.LineEcho);

        Assert.Equal(2, server.LocalEndPoints.Count);
        Assert.Equal(AddressFamily.InterNetwork, server.LocalEndPoints[0].AddressFamily);
        Assert.Equal(AddressFamily.InterNetworkV6, server.LocalEndPoints[1].AddressFamily);
        await AssertEchoesAsync((IPEndPoint)server.LocalEndPoints[0]);
        await AssertEchoesAsync((IPEndPoint)server.LocalEndPoints[1]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(37)]
    public async Task TheListenBacklogIsTheConfiguredOneOrFiveHundredTwelveByDefault(int? backlog)
    {
        await using var server = Loopback.StartServer(Loopback.LineEcho, o =>
        {
            if (backlog is int value)
            {
                o.Backlog = value;
            }
        });

        // The kernel reports a listener's accept-queue limit as its Send-Q (inet_diag), which `ss` prints.
        var ss = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(
            "ss", $"-ltnH \"sport = :{server.EndPoint().Port}\"") { RedirectStandardOutput = true })!;
        string line = (await ss.StandardOutput.ReadToEndAsync().WaitAsync(Loopback.Patience)).Trim();
        await ss.WaitForExitAsync().WaitAsync(Loopback.Patience);

        string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("LISTEN", columns[0]);
        Assert.Equal(backlog ?? 512, int.Parse(columns[2]));
    }

    [Fact]
    public async Task DualStackEndpointAcceptsIPv4AndIPv6Clients()
    {
        await using var server = SynackServer.Start(new ServerOptions().Listen(IPAddress.IPv6Any, 0), Loopback.LineEcho);
        int port = server.EndPoint().Port;

        await AssertEchoesAsync(new IPEndPoint(IPAddress.Loopback, port));
        await AssertEchoesAsync(new IPEndPoint(IPAddress.IPv6Loopback, port));
    }

    [Fact]
    public async Task SecondServerOnABusyPortFailsWithAddressInUseInsteadOfSharingIt()
    {
        await using var first = Loopback.StartServer(Loopback.LineEcho);

        var error = Assert.Throws<SynackException>(() =>
            SynackServer.Start(new ServerOptions().Listen(first.EndPoint()), Loopback.LineEcho));
        Assert.Equal(ErrorKind.AddressInUse, error.Kind);
        Assert.Contains("address already in use", error.Message);
    }

    [Fact]
    public async Task ReusePortLetsTwoServersShareAPortOnlyWhenBothAskForIt()
    {
        await using var first = Loopback.StartServer(Loopback.LineEcho, o => o.ReusePort = true);
        await using var second = SynackServer.Start(new ServerOptions { ReusePort = true }.Listen(first.EndPoint()), Loopback.LineEcho);

        Assert.Equal(first.EndPoint(), second.EndPoint());
        await AssertEchoesAsync(first.EndPoint());
    }

    [Fact]
    public async Task ServerRebindsItsPortWhileOldConnectionsSitInTimeWait()
    {
        var server = Loopback.StartServer(async c =>
        {
            await c.SendLineAsync("bye");
            await c.CloseAsync(); // the server closes first, so its side of the connection enters TIME_WAIT
        });
        IPEndPoint endPoint = server.EndPoint();
        for (int i = 0; i < 3; i++)
        {
            using Socket client = await Loopback.ConnectRawAsync(endPoint);
            Assert.Equal("bye\n"u8.ToArray(), await client.ReadToEndAsync());
            client.Shutdown(SocketShutdown.Send);
        }

        await server.StopAsync(TimeSpan.FromSeconds(5)).Within();
        Assert.Contains(TcpStates.Of(endPoint.Port), s => s == "TIME_WAIT");

        await using var restarted = SynackServer.Start(new ServerOptions().Listen(endPoint), Loopback.LineEcho);
        await AssertEchoesAsync(endPoint);
    }

    [Fact]
    public async Task AProtocolErrorOnOneConnectionLeavesOtherClientsServed()
    {
        await using var server = Loopback.StartServer(async c =>
        {
            while (await c.ReadLineAsync(maxLength: 64) is { } line)
            {
                await c.SendLineAsync(line);
            }
        });
        using Socket good = await Loopback.ConnectRawAsync(server.EndPoint());
        using Socket bad = await Loopback.ConnectRawAsync(server.EndPoint());

        await bad.SendAsync(new byte[10_000]); // no newline, far past the maximum
        var error = await Assert.ThrowsAsync<SocketException>(() => bad.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);

        await good.SendAsync("still here\n"u8.ToArray());
        Assert.Equal("still here\n"u8.ToArray(), await good.ReadExactlyAsync(11));
        await AssertEchoesAsync(server.EndPoint());
    }

    [Fact]
    public async Task AHandlerBugAbortsOnlyItsConnectionAndIsReported()
    {
        var faults = new TaskCompletionSource<Exception>();
        await using var server = Loopback.StartServer(async c =>
        {
            string? line = await c.ReadLineAsync();
            if (line == "crash")
            {
                throw new InvalidOperationException("handler bug");
            }

            await c.SendLineAsync(line!);
        });
        server.HandlerFaulted += (_, e) => faults.TrySetResult(e);

        using Socket crasher = await Loopback.ConnectRawAsync(server.EndPoint());
        await crasher.SendAsync("crash\n"u8.ToArray());
        await Assert.ThrowsAsync<SocketException>(() => crasher.ReadToEndAsync());
        Assert.IsType<InvalidOperationException>(await faults.Task.Within());
        await AssertEchoesAsync(server.EndPoint());
    }
}

/// <summary>Reads TCP connection states for a local port from /proc/net/tcp (Linux).</summary>
internal static class TcpStates
{
    private static readonly string[] Names =
        { "", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING" };

    public static IReadOnlyList<string> Of(int localPort)
    {
        string hexPort = localPort.ToString("X4");
        return File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[1].EndsWith(":" + hexPort, StringComparison.Ordinal))
            .Select(f => Names[Convert.ToInt32(f[3], 16)])
            .ToList();
    }
}
