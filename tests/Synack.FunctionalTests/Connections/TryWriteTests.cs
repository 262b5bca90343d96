using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Connections;

/// <summary>
/// <see cref="Connection.TryWrite"/>: a push from outside the handler that never waits (the broadcast and pacer
/// primitive), on the inline engine and over pipes.
/// </summary>
public sealed class TryWriteTests
{
    public static TheoryData<SynackTransport> Transports => new() { SynackTransport.Sockets, SynackTransport.Epoll };

    /// <summary>Records its connections and answers nothing: every byte the client gets was pushed with TryWrite.</summary>
    private sealed class Silent : IInlineHandler
    {
        public ConcurrentQueue<Connection> Connections { get; } = new();

        public void OnConnected(Connection connection, IBufferWriter<byte> output) => Connections.Enqueue(connection);

        public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output) => input.Length;
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task TryWriteFromAnotherThreadSendsEachMessageWholeAndInOrder(SynackTransport transport)
    {
        var handler = new Silent();
        await using var server = SynackServer.Start(new ServerOptions { Transport = transport }.Listen(IPAddress.Loopback, 0), handler);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await Loopback.Until(() => !handler.Connections.IsEmpty);
        Connection connection = handler.Connections.Single();

        int written = 0;
        for (int i = 0; i < 100; i++)
        {
            while (!connection.TryWrite(static (output, n) => output.Write(System.Text.Encoding.ASCII.GetBytes($"message {n:D3}\n")), i))
            {
                await Task.Yield(); // a pipes connection refuses while its previous flush runs; try again
            }

            written++;
        }

        byte[] expected = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 100).Select(n => $"message {n:D3}\n")));
        Assert.Equal(expected, await client.ReadExactlyAsync(expected.Length).Within());
        Assert.Equal(100, written);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task TryWriteToAPeerThatNeverReadsReturnsFalseOnceThePendingSendCapIsReachedInsteadOfGrowingMemory(SynackTransport transport)
    {
        var handler = new Silent();
        var options = new ServerOptions { Transport = transport }.Listen(IPAddress.Loopback, 0);
        options.Connection.MaxPendingSendBytes = 64 * 1024;
        await using var server = SynackServer.Start(options, handler);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        client.ReceiveBufferSize = 4096;
        await Loopback.Until(() => !handler.Connections.IsEmpty);
        Connection connection = handler.Connections.Single();
        byte[] chunk = new byte[16 * 1024];

        long accepted = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        WriteRefusal refusal;
        while (connection.TryWrite(static (output, data) => output.Write(data), chunk, out refusal))
        {
            accepted += chunk.Length;
            Assert.True(clock.Elapsed < Loopback.Patience, $"still accepting after {accepted:N0} bytes");
            if (transport == SynackTransport.Sockets)
            {
                await Task.Yield(); // let the send pump run, so the pipe fills to its pause threshold
            }
        }

        // Kernel buffers (both sides) plus the cap: far below what an unbounded queue would have taken by now.
        Assert.True(accepted < 64L << 20, $"{accepted:N0} bytes accepted");
        Assert.Equal(CloseReason.None, connection.CloseReason);

        // Issue 15: the refusal says why, so a broadcast can tell a slow consumer (skip or disconnect it) from a send in
        // progress (try again) and from a closed connection (forget it).
        Assert.Equal(WriteRefusal.Backpressure, refusal);
        connection.Abort();
        Assert.False(connection.TryWrite(static (output, data) => output.Write(data), chunk, out refusal));
        Assert.Equal(WriteRefusal.Closed, refusal);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task TryWriteSaysBusyWhileAnotherSendHoldsTheSendLockAndWritesOnceItIsFree(SynackTransport transport)
    {
        // An async handler: the pipes engine on Sockets, the direct engine on Epoll; both take the send lock without waiting.
        var served = new TaskCompletionSource<Connection>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = Loopback.StartServer(async c =>
        {
            served.TrySetResult(c);
            await c.ReadAllInputAsync();
        }, o => o.Transport = transport);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        Connection connection = await served.Task.Within();

        await connection.SendLock.WaitAsync();
        Assert.False(connection.TryWrite(static (output, _) => output.Write("busy\n"u8), 0, out WriteRefusal refusal));
        Assert.Equal(WriteRefusal.Busy, refusal);
        connection.SendLock.Release();

        Assert.True(connection.TryWrite(static (output, _) => output.Write("free\n"u8), 0, out refusal));
        Assert.Equal(WriteRefusal.None, refusal);
        Assert.Equal("free\n"u8.ToArray(), await client.ReadExactlyAsync(5));
    }
}
