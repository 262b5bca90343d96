using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Synack.Client;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Server;

/// <summary>
/// <see cref="IInlineHandler.OnClosed"/> (issue 15: <c>OnEndOfStream</c> fires only at a FIN, so per-connection state had
/// no place to be dropped on a reset, a timeout or a drain): once per connection, whatever ended it, on both transports,
/// for servers and clients.
/// </summary>
public sealed class InlineOnClosedTests
{
    public static TheoryData<SynackTransport, string, CloseReason> Endings
    {
        get
        {
            var data = new TheoryData<SynackTransport, string, CloseReason>();
            foreach (SynackTransport transport in new[] { SynackTransport.Sockets, SynackTransport.Epoll })
            {
                data.Add(transport, "fin", CloseReason.RemoteFin);
                data.Add(transport, "reset", CloseReason.RemoteReset);
                data.Add(transport, "close", CloseReason.LocalClose);
                data.Add(transport, "abort", CloseReason.LocalAbort);
                data.Add(transport, "bug", CloseReason.HandlerFault);
            }

            return data;
        }
    }

    public static TheoryData<SynackTransport> Transports => new() { SynackTransport.Sockets, SynackTransport.Epoll };

    /// <summary>
    /// Keeps a per-connection entry from OnConnected to OnClosed and records every OnClosed. Lines: "close" closes, "abort"
    /// aborts, "bug" throws; anything else is answered "ok".
    /// </summary>
    private sealed class Tracker(bool throwOnClosed = false) : IInlineHandler
    {
        public ConcurrentDictionary<Connection, int> Open { get; } = new();

        public ConcurrentQueue<(Connection Connection, CloseReason Reason)> ClosedCalls { get; } = new();

        public int LateCalls;

        public TaskCompletionSource<(Connection Connection, CloseReason Reason)> FirstClosed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnConnected(Connection connection, IBufferWriter<byte> output) => Open[connection] = 0;

        public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output)
        {
            CheckOpen(connection);
            var reader = new SequenceReader<byte>(input);
            while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                switch (Encoding.ASCII.GetString(line))
                {
                    case "close":
                        _ = connection.CloseAsync();
                        return reader.Consumed;
                    case "abort":
                        connection.Abort();
                        return reader.Consumed;
                    case "bug":
                        throw new InvalidOperationException("bug");
                    default:
                        output.Write("ok\n"u8);
                        break;
                }
            }

            return reader.Consumed;
        }

        public void OnEndOfStream(Connection connection, ReadOnlySequence<byte> unconsumed, IBufferWriter<byte> output) => CheckOpen(connection);

        public void OnClosed(Connection connection, CloseReason reason)
        {
            if (!Open.TryRemove(connection, out _))
            {
                Interlocked.Increment(ref LateCalls); // a second OnClosed, or one without OnConnected
            }

            ClosedCalls.Enqueue((connection, reason));
            FirstClosed.TrySetResult((connection, reason));
            if (throwOnClosed)
            {
                throw new InvalidOperationException("OnClosed bug");
            }
        }

        private void CheckOpen(Connection connection)
        {
            if (!Open.ContainsKey(connection))
            {
                Interlocked.Increment(ref LateCalls); // a call after OnClosed
            }
        }

        /// <summary>Waits a moment past the first OnClosed, so a second one would have been seen, then checks there was one.</summary>
        public async Task<CloseReason> ClosedOnceAsync()
        {
            (Connection connection, CloseReason reason) = await FirstClosed.Task.Within();
            await Task.Delay(100);
            Assert.Single(ClosedCalls);
            Assert.Equal(0, LateCalls);
            Assert.Empty(Open);
            Assert.Equal(connection.CloseReason, reason);
            return reason;
        }
    }

    private static SynackServer Start(IInlineHandler handler, SynackTransport transport, Action<ServerOptions>? configure = null, TimeProvider? time = null) =>
        Loopback.StartServer(handler, transport, configure, time);

    private static async Task AskAsync(Socket client)
    {
        await client.SendAsync("hello\n"u8.ToArray());
        Assert.Equal("ok\n", Encoding.ASCII.GetString(await client.ReadExactlyAsync(3)));
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public async Task OnClosedFiresExactlyOnceWithTheRecordedReasonWhateverEndedTheConnection(SynackTransport transport, string ending, CloseReason expected)
    {
        var handler = new Tracker();
        await using var server = Start(handler, transport);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await AskAsync(client);

        switch (ending)
        {
            case "fin":
                client.Shutdown(SocketShutdown.Send);
                Assert.Empty(await client.ReadToEndAsync());
                break;
            case "reset":
                client.Reset();
                break;
            default:
                await client.SendAsync(Encoding.ASCII.GetBytes(ending + "\n"));
                try
                {
                    await client.ReadToEndAsync();
                }
                catch (SocketException)
                {
                    // abort and bug answer with RST
                }

                client.Shutdown(SocketShutdown.Send);
                break;
        }

        Assert.Equal(expected, await handler.ClosedOnceAsync());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task OnClosedFiresOnceWithTimeoutWhenTheIdleTimeoutEndsTheConnection(SynackTransport transport)
    {
        var time = new FakeTimeProvider();
        var handler = new Tracker();
        await using var server = Start(handler, transport, o => o.Connection.IdleTimeout = TimeSpan.FromSeconds(5), time);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await AskAsync(client);

        await time.AdvanceUntil(TimeSpan.FromSeconds(1), () => handler.Open.Keys.All(c => c.CloseReason != CloseReason.None));
        Assert.Empty(await client.ReadToEndAsync());
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal(CloseReason.Timeout, await handler.ClosedOnceAsync());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task OnClosedFiresOnceWithServerDrainForEveryConnectionADrainCloses(SynackTransport transport)
    {
        var handler = new Tracker();
        var server = Start(handler, transport);
        using Socket first = await Loopback.ConnectRawAsync(server.EndPoint());
        using Socket second = await Loopback.ConnectRawAsync(server.EndPoint());
        await AskAsync(first);
        await AskAsync(second);

        Task<DrainResult> stopping = server.StopAsync(Loopback.Patience);
        Assert.Empty(await first.ReadToEndAsync());
        Assert.Empty(await second.ReadToEndAsync());
        first.Shutdown(SocketShutdown.Send);
        second.Shutdown(SocketShutdown.Send);
        await stopping.Within();

        await Loopback.Until(() => handler.ClosedCalls.Count == 2);
        await Task.Delay(100);
        Assert.Equal(2, handler.ClosedCalls.Count);
        Assert.All(handler.ClosedCalls, c => Assert.Equal(CloseReason.ServerDrain, c.Reason));
        Assert.Equal(0, handler.LateCalls);
        Assert.Empty(handler.Open);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AnOnClosedThatThrowsIsReportedAsAHandlerFaultAndTheServerServesOn(SynackTransport transport)
    {
        var handler = new Tracker(throwOnClosed: true);
        await using var server = Start(handler, transport);
        var faulted = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.HandlerFaulted += (_, e) => faulted.TrySetResult(e);
        using (Socket client = await Loopback.ConnectRawAsync(server.EndPoint()))
        {
            await AskAsync(client);
            client.Shutdown(SocketShutdown.Send);
            Assert.Empty(await client.ReadToEndAsync());
        }

        Assert.Equal("OnClosed bug", (await faulted.Task.Within()).Message);
        using Socket next = await Loopback.ConnectRawAsync(server.EndPoint());
        await AskAsync(next);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AnInlineClientHearsOnClosedOnceWhenTheServerEndsTheConnection(SynackTransport transport)
    {
        // The server answers one line, then returns: FIN. The client's OnEndOfStream closes it; OnClosed follows, once.
        await using var server = Loopback.StartServer(async c => await c.SendLineAsync("ok"));
        var handler = new Tracker();
        Connection connection = await SynackClient.ConnectAsync(server.EndPoint(), handler, new ConnectOptions { Transport = transport });

        Assert.Equal(CloseReason.RemoteFin, await handler.ClosedOnceAsync());
        Assert.Equal(CloseReason.RemoteFin, await connection.ClosedWithin());
    }
}
