using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Synack.FunctionalTests.Infrastructure;
using Synack.Testing.Proxy;
using Synack.Testing.Proxy.Faults;

namespace Synack.FunctionalTests.Adversarial;

/// <summary>The fault proxy itself: exact forwarding, half-close, and each fault doing what it says.</summary>
public sealed class ProxyTests
{
    /// <summary>Collects everything until the client's FIN, then sends it all back and closes: a reply that needs half-close.</summary>
    private static readonly Synack.Server.ConnectionHandler EchoAfterFin = async c => await c.SendAsync(await c.ReadAllInputAsync());

    [Fact]
    public async Task WithoutFaultsTheProxyForwardsByteExactlyAndPassesTheHalfCloseThrough()
    {
        await using var server = Loopback.StartServer(EchoAfterFin);
        await using var proxy = new FaultProxy(new(System.Net.IPAddress.Loopback, 0), server.EndPoint(), []).Start();
        using Socket client = await Loopback.ConnectRawAsync(proxy.LocalEndPoint);
        byte[] payload = new byte[1 << 20];
        new Random(11).NextBytes(payload);

        await client.SendAsync(payload);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal(payload, await client.ReadToEndAsync());
    }

    [Fact]
    public async Task TheSlicerDeliversEveryByteInPiecesOfTheConfiguredSize()
    {
        await using var server = Loopback.StartServer(EchoAfterFin);
        await using var proxy = new FaultProxy(new(System.Net.IPAddress.Loopback, 0), server.EndPoint(), [new SlicerFault(3) { Direction = Direction.Upstream }]).Start();
        using Socket client = await Loopback.ConnectRawAsync(proxy.LocalEndPoint);

        await client.SendAsync("abcdefghijklmnopqrstuvwxyz"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("abcdefghijklmnopqrstuvwxyz"u8.ToArray(), await client.ReadToEndAsync());
    }

    [Fact]
    public async Task LimitDataClosesBothSidesWithFinAfterTheByteBudget()
    {
        await using var server = Loopback.StartServer(async c => await c.SendAsync(new byte[100_000]));
        await using var proxy = new FaultProxy(new(System.Net.IPAddress.Loopback, 0), server.EndPoint(), [new LimitDataFault(1000) { Direction = Direction.Downstream }]).Start();
        using Socket client = await Loopback.ConnectRawAsync(proxy.LocalEndPoint);

        Assert.Equal(1000, (await client.ReadToEndAsync()).Length);
    }

    [Fact]
    public async Task ResetPeerSendsRstToTheClientAfterTheByteBudget()
    {
        await using var server = Loopback.StartServer(async c => await c.SendAsync(new byte[100_000]));
        await using var proxy = new FaultProxy(new(System.Net.IPAddress.Loopback, 0), server.EndPoint(), [new ResetPeerFault(500) { Direction = Direction.Downstream }]).Start();

        // The whole exchange can be over before the client's connect() reports back, so the reset may surface there.
        var error = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using Socket client = await Loopback.ConnectRawAsync(proxy.LocalEndPoint);
            await client.ReadToEndAsync();
        });
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }

    [Theory]
    [InlineData("latency:ms=100,jitter=10ms", typeof(LatencyFault), Direction.Both)]
    [InlineData("slicer:size=1,delay=1ms,direction=down", typeof(SlicerFault), Direction.Downstream)]
    [InlineData("bandwidth:kbps=64,direction=up", typeof(BandwidthFault), Direction.Upstream)]
    [InlineData("limit-data:bytes=10", typeof(LimitDataFault), Direction.Both)]
    [InlineData("reset-peer:after=2s,p=0.5", typeof(ResetPeerFault), Direction.Both)]
    [InlineData("black-hole", typeof(BlackHoleFault), Direction.Both)]
    [InlineData("slow-close:delay=2s", typeof(SlowCloseFault), Direction.Both)]
    public void FaultsAreRegisteredByNameAndConfiguredByPlainData(string spec, Type type, Direction direction)
    {
        Fault fault = FaultCatalog.Parse(spec);

        Assert.IsType(type, fault);
        Assert.Equal(direction, fault.Direction);
    }

    [Theory]
    [InlineData("jitterbug", "unknown fault 'jitterbug'")]
    [InlineData("slicer:size=x", "slicer: size must be a whole number")]
    [InlineData("latency:ms=5,colour=red", "latency: unknown parameter 'colour'")]
    [InlineData("reset-peer", "reset-peer needs bytes= or after=")]
    [InlineData("slicer:size=1,direction=sideways", "slicer: direction must be up, down or both, not 'sideways'")]
    public void BadFaultSpecsSayWhatIsWrong(string spec, string message)
    {
        var error = Assert.Throws<FormatException>(() => FaultCatalog.Parse(spec));
        Assert.StartsWith(message, error.Message);
    }
}
