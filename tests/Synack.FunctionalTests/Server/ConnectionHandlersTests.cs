using System.Net.Sockets;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Server;

public sealed class ConnectionHandlersTests
{
    [Fact]
    public async Task EchoReturnsEveryByteInOrderAndClosesAfterThePeersFin()
    {
        await using var server = Loopback.StartServer(ConnectionHandlers.Echo);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        byte[] payload = new byte[1 << 20];
        new Random(7).NextBytes(payload);

        // Send a megabyte while reading concurrently (the echo would otherwise stall on full buffers), then half-close.
        Task<byte[]> echoed = client.ReadToEndAsync();
        await client.SendAsync(payload);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal(payload, await echoed);
    }

    [Fact]
    public async Task DiscardReadsEverythingSendsNothingAndClosesAfterThePeersFin()
    {
        await using var server = Loopback.StartServer(ConnectionHandlers.Discard);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync(new byte[256 * 1024]);
        client.Shutdown(SocketShutdown.Send);

        Assert.Empty(await client.ReadToEndAsync());
    }

    [Fact]
    public async Task EchoStopsAtAReadBoundaryWhenTheServerDrains()
    {
        var server = Loopback.StartServer(ConnectionHandlers.Echo);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync("ping"u8.ToArray());
        Assert.Equal("ping"u8.ToArray(), await client.ReadExactlyAsync(4));

        Task<DrainResult> stopping = server.StopAsync(Loopback.Patience);
        Assert.Empty(await client.ReadToEndAsync());
        client.Shutdown(SocketShutdown.Send); // answer the server's FIN so its graceful close completes at once

        DrainResult result = await stopping.Within();
        Assert.Equal(new DrainResult(1, 0, result.Elapsed), result);
    }
}
