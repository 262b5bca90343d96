using System.Net.Sockets;
using System.Text;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Server;

public sealed class BroadcastTests
{
    public static TheoryData<SynackTransport> Transports => new() { SynackTransport.Sockets, SynackTransport.Epoll };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ABroadcastNeverWaitsForAClientThatDoesNotReadAndStillReachesTheOthers(SynackTransport transport)
    {
        await using var server = Loopback.StartServer(ConnectionHandlers.Discard, o =>
        {
            o.Transport = transport;
            o.Connection.MaxPendingSendBytes = 64 * 1024;
            o.Connection.SendBufferSize = 16 * 1024; // small kernel buffers: the stuck client fills up after a few hundred KiB
        });
        using Socket reader = await Loopback.ConnectRawAsync(server.EndPoint());
        using var stuck = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        await stuck.ConnectAsync(server.EndPoint()).WaitAsync(Loopback.Patience); // never reads
        await Loopback.Until(() => server.Connections.Count == 2);
        Assert.Equal(2, server.ActiveConnections);

        var lastSeen = new TaskCompletionSource();
        Task reading = Task.Run(async () =>
        {
            byte[] buffer = new byte[64 * 1024];
            var tail = new StringBuilder();
            int n;
            while ((n = await reader.ReceiveAsync(buffer.AsMemory(), SocketFlags.None)) > 0)
            {
                tail.Append(Encoding.ASCII.GetString(buffer, 0, n));
                if (tail.ToString().Contains("last\n"))
                {
                    lastSeen.SetResult();
                    return;
                }

                if (tail.Length > 16)
                {
                    tail.Remove(0, tail.Length - 16);
                }
            }
        });

        // Fill the stuck client's kernel buffers and its pending-send cap: from then on it is skipped, never waited for.
        byte[] message = Encoding.ASCII.GetBytes(new string('x', 1023) + "\n");
        int sends = 0;
        while (server.Broadcast(message) == 2)
        {
            Assert.True(++sends < 200_000, "the client that never reads was never skipped");
            if (sends % 64 == 0)
            {
                await Task.Yield(); // let the reading client keep up
            }
        }

        // The reader still gets messages; `except` leaves one connection out.
        Connection stuckSide = server.Connections.Single(c => ((System.Net.IPEndPoint)c.RemoteEndPoint).Port == ((System.Net.IPEndPoint)stuck.LocalEndPoint!).Port);
        await Loopback.Until(() => server.Broadcast("last\n"u8.ToArray(), except: stuckSide) == 1);
        await lastSeen.Task.Within();
        await reading.Within();
    }
}
