using System.Net.Sockets;
using System.Text;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Server;

public sealed class BroadcastTests
{
    public static TheoryData<SynackTransport> Transports => new() { SynackTransport.Sockets, SynackTransport.Epoll };

    /// <summary>A discard server with two clients: one that reads (the caller reads it) and one that never does.</summary>
    private static async Task<(SynackServer Server, Socket Reader, Socket Stuck)> StartWithAStuckClientAsync(SynackTransport transport)
    {
        var server = Loopback.StartServer(ConnectionHandlers.Discard, o =>
        {
            o.Transport = transport;
            o.Connection.MaxPendingSendBytes = 64 * 1024;
            o.Connection.SendBufferSize = 16 * 1024; // small kernel buffers: the stuck client fills up after a few hundred KiB
        });
        Socket reader = await Loopback.ConnectRawAsync(server.EndPoint());
        var stuck = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        await stuck.ConnectAsync(server.EndPoint()).WaitAsync(Loopback.Patience); // never reads
        await Loopback.Until(() => server.Connections.Count == 2);
        return (server, reader, stuck);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ABroadcastNeverWaitsForAClientThatDoesNotReadAndStillReachesTheOthers(SynackTransport transport)
    {
        var (server, reader, stuck) = await StartWithAStuckClientAsync(transport);
        await using SynackServer stopsAtTheEnd = server;
        using Socket closesReader = reader, closesStuck = stuck;
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

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ABroadcastThatDisconnectsSlowConsumersAbortsTheClientThatNeverReadsAndKeepsServingTheOneThatDoes(SynackTransport transport)
    {
        var (server, reader, stuck) = await StartWithAStuckClientAsync(transport);
        await using SynackServer stopsAtTheEnd = server;
        using Socket closesReader = reader, closesStuck = stuck;
        Connection stuckSide = server.Connections.Single(c => ((System.Net.IPEndPoint)c.RemoteEndPoint).Port == ((System.Net.IPEndPoint)stuck.LocalEndPoint!).Port);

        long received = 0;
        Task reading = Task.Run(async () =>
        {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = await reader.ReceiveAsync(buffer.AsMemory(), SocketFlags.None)) > 0)
            {
                Interlocked.Add(ref received, n);
            }
        });

        // Paced by the reader (never more than 32 KiB ahead of it): it keeps up, so only the client that never reads
        // reaches the cap, and the broadcast that finds it there aborts it.
        byte[] message = Encoding.ASCII.GetBytes(new string('x', 1023) + "\n");
        long sent = 0;
        BroadcastResult result;
        do
        {
            result = server.Broadcast(message, SlowConsumerPolicy.Disconnect);
            Assert.Equal(0, result.SkippedSlow);
            sent += message.Length;
            Assert.True(sent < 256L << 20, "the client that never reads was never disconnected");
            await Loopback.Until(() => Interlocked.Read(ref received) >= sent - 32 * 1024);
        }
        while (result.Disconnected == 0);

        Assert.Equal(1, result.Delivered);
        Assert.Equal(CloseReason.LimitExceeded, await stuckSide.ClosedWithin());
        BroadcastResult last = await server.BroadcastAsync("last\n"u8.ToArray(), SlowConsumerPolicy.Disconnect);
        Assert.Equal(1, last.Delivered);
        await Loopback.Until(() => server.Connections.Count == 1); // its handler returns once its read fails
        reader.Shutdown(SocketShutdown.Send);
        await reading.Within();
        Assert.Equal(sent + 5, Interlocked.Read(ref received)); // the reader missed nothing
    }
}
