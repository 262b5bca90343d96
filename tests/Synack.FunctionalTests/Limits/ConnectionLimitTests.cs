using System.Net.Sockets;
using Synack.FunctionalTests.Infrastructure;

namespace Synack.FunctionalTests.Limits;

public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task PastMaxConnectionsANewPeerGetsTheRejectPayloadAndFinWhileServedPeersCarryOn()
    {
        await using var server = Loopback.StartServer(async c =>
        {
            while (await c.ReadLineAsync() is { } line)
            {
                await c.SendLineAsync(line);
            }
        }, o =>
        {
            o.MaxConnections = 2;
            o.RejectPayload = "-ERR max number of clients reached\r\n"u8.ToArray();
        });

        using Socket first = await Loopback.ConnectRawAsync(server.EndPoint());
        using Socket second = await Loopback.ConnectRawAsync(server.EndPoint());
        await first.SendAsync("1\n"u8.ToArray());
        Assert.Equal("1\n"u8.ToArray(), await first.ReadExactlyAsync(2));
        await second.SendAsync("2\n"u8.ToArray());
        Assert.Equal("2\n"u8.ToArray(), await second.ReadExactlyAsync(2));

        using (Socket third = await Loopback.ConnectRawAsync(server.EndPoint()))
        {
            Assert.Equal("-ERR max number of clients reached\r\n"u8.ToArray(), await third.ReadToEndAsync());
        }

        Assert.Equal(1, server.RejectedConnections);
        await first.SendAsync("still served\n"u8.ToArray());
        Assert.Equal("still served\n"u8.ToArray(), await first.ReadExactlyAsync(13));

        // A slot frees up when a served peer leaves: the next peer is admitted.
        first.Shutdown(SocketShutdown.Send);
        Assert.Empty(await first.ReadToEndAsync());
        await Loopback.Until(() => server.ActiveConnections == 1);
        using Socket fourth = await Loopback.ConnectRawAsync(server.EndPoint());
        await fourth.SendAsync("4\n"u8.ToArray());
        Assert.Equal("4\n"u8.ToArray(), await fourth.ReadExactlyAsync(2));
        Assert.Equal(1, server.RejectedConnections);
    }

}
