using System.Net;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Adversarial;

/// <summary>
/// A peer that vanishes without FIN or RST (pulled cable, dead host, dropping firewall), reproduced by dropping every
/// packet on a veth link into a network namespace of the test's own. Only TCP itself can notice: keepalive when the
/// connection is idle, TCP_USER_TIMEOUT when data is in flight. Runs as root (as CI does); elsewhere it returns at once, except under CI where it fails.
/// </summary>
public sealed class BlackHoleTests
{
    private static ConnectOptions ShortDeadPeerDetection() => new()
    {
        Connection = new ConnectionOptions
        {
            IdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlive = new KeepAliveOptions { Idle = TimeSpan.FromSeconds(1), Interval = TimeSpan.FromSeconds(1), Count = 2 },
        },
    };

    [Fact]
    public async Task AnIdleConnectionToABlackHoledPeerIsDetectedByKeepaliveAndFailsAsTimedOut()
    {
        using NetworkNamespace? ns = NetworkNamespace.TryCreate();
        if (ns is null)
        {
            Loopback.SkipUnlessCi("root with iproute2 (network namespaces)");
            return;
        }

        SynackServer server = ns.Inside(() => SynackServer.Start(new ServerOptions().Listen(ns.InsideAddress, 0), Loopback.LineEcho));
        await using var stop = new StopsAtOnce(server);
        await using Connection client = await SynackClient.ConnectAsync(server.LocalEndPoints[0], ShortDeadPeerDetection());
        await client.SendLineAsync("hello");
        Assert.Equal("hello", await client.ReadLineAsync().Within());

        ns.BlackHole();

        // Idle 1 s, then 2 unanswered probes 1 s apart (TCP_USER_TIMEOUT 3 s backs it up): the pending read fails.
        var error = await Assert.ThrowsAsync<SynackException>(() => client.ReadLineAsync().AsTask().WaitAsync(Loopback.Patience));
        Assert.Equal(ErrorKind.TimedOut, error.Kind);
        Assert.Equal(CloseReason.Timeout, await client.ClosedWithin());
    }

    [Fact]
    public async Task DataInFlightToABlackHoledPeerIsAbandonedAfterTheUserTimeout()
    {
        using NetworkNamespace? ns = NetworkNamespace.TryCreate();
        if (ns is null)
        {
            Loopback.SkipUnlessCi("root with iproute2 (network namespaces)");
            return;
        }

        SynackServer server = ns.Inside(() => SynackServer.Start(new ServerOptions().Listen(ns.InsideAddress, 0), Loopback.LineEcho));
        await using var stop = new StopsAtOnce(server);
        ConnectOptions options = ShortDeadPeerDetection();
        options.Connection.KeepAlive.UserTimeout = TimeSpan.FromSeconds(2);
        await using Connection client = await SynackClient.ConnectAsync(server.LocalEndPoints[0], options);

        ns.BlackHole();
        await client.SendLineAsync("into the void"); // accepted by our kernel, never acknowledged

        var error = await Assert.ThrowsAsync<SynackException>(() => client.ReadLineAsync().AsTask().WaitAsync(Loopback.Patience));
        Assert.Equal(ErrorKind.TimedOut, error.Kind);
    }

    /// <summary>Stops the server inside the namespace without a drain: its peer is gone, nobody would answer a FIN.</summary>
    private sealed class StopsAtOnce(SynackServer server) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await server.StopAsync(TimeSpan.Zero).WaitAsync(Loopback.Patience);
    }
}
