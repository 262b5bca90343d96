using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Server;

/// <summary>
/// <see cref="IInlineHandler"/> over real loopback sockets, on both transports: the epoll fast path (no pipes) and the
/// pipes adapter the sockets transport uses must keep the same contract.
/// </summary>
public sealed class InlineHandlerTests
{
    public static TheoryData<SynackTransport> Transports => new() { SynackTransport.Sockets, SynackTransport.Epoll };

    private static SynackServer Start(IInlineHandler handler, SynackTransport transport, Action<ServerOptions>? configure = null, TimeProvider? time = null) =>
        Loopback.StartServer(handler, transport, configure, time);

    /// <summary>
    /// Answers each complete line with "ok LINE" and leaves a partial line unconsumed. Special lines: "boom" throws (a
    /// handler bug), "bye" replies then closes, "half" replies then half-closes, "big" replies with 32 MiB.
    /// </summary>
    private sealed class Lines : IInlineHandler
    {
        public ConcurrentDictionary<string, Connection> ByClient { get; } = new();

        public ConcurrentQueue<string?> Threads { get; } = new();

        public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output)
        {
            ByClient[connection.RemoteEndPoint.ToString()!] = connection;
            Threads.Enqueue(Thread.CurrentThread.Name);
            var reader = new SequenceReader<byte>(input);
            while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                string text = Encoding.ASCII.GetString(line);
                switch (text)
                {
                    case "boom":
                        throw new InvalidOperationException("boom");
                    case "bye":
                        output.Write("bye\n"u8);
                        _ = connection.CloseAsync();
                        return reader.Consumed;
                    case "half":
                        output.Write("half\n"u8);
                        connection.CompleteOutput();
                        break;
                    case "big":
                        output.Write(new byte[32 << 20]);
                        break;
                    case "kick":
                        foreach (Connection other in ByClient.Values.Where(c => c != connection))
                        {
                            _ = other.CloseAsync(); // reads and drops the other's pending input, on this thread
                        }

                        break;
                    case "trap":
                        connection.ConnectionClosed.Register(() => throw new InvalidOperationException("callback bug"));
                        output.Write("trapped\n"u8);
                        break;
                    default:
                        output.Write(Encoding.ASCII.GetBytes($"ok {text}\n"));
                        break;
                }
            }

            return reader.Consumed;
        }

        public Connection Of(Socket client) => ByClient[client.LocalEndPoint!.ToString()!];
    }

    private static async Task<string> AskAsync(Socket client, string line)
    {
        await client.SendAsync(Encoding.ASCII.GetBytes(line + "\n"));
        string expected = $"ok {line}\n";
        return Encoding.ASCII.GetString(await client.ReadExactlyAsync(expected.Length));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task TheInlineEchoReturnsEveryByteInOrderToManyClientsStreamingMoreThanTheSocketBuffersHold(SynackTransport transport)
    {
        // 16 clients x 4 MiB: sends hit EAGAIN, replies are queued and wait for output edges, and input is not read meanwhile.
        await using var server = Start(InlineHandlers.Echo, transport);
        await Loopback.StreamThroughEchoAsync(server.EndPoint(), clients: 16, size: 4 << 20);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ALineSentOneByteAtATimeIsAnsweredOnceWholeAndPipelinedLinesAreEachAnswered(SynackTransport transport)
    {
        var handler = new Lines();
        await using var server = Start(handler, transport);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());

        foreach (byte b in "alpha\nbeta\n"u8.ToArray())
        {
            await client.SendAsync(new[] { b });
        }

        Assert.Equal("ok alpha\nok beta\n", Encoding.ASCII.GetString(await client.ReadExactlyAsync(17)));
        await client.SendAsync("one\ntwo\nthree\n"u8.ToArray());
        Assert.Equal("ok one\nok two\nok three\n", Encoding.ASCII.GetString(await client.ReadExactlyAsync(23)));

        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReadToEndAsync());
        Assert.Equal(CloseReason.RemoteFin, await handler.Of(client).ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AReplyWrittenBeforeTheHandlerClosesTheConnectionReachesThePeerBeforeTheFin(SynackTransport transport)
    {
        var handler = new Lines();
        await using var server = Start(handler, transport);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync("bye\n"u8.ToArray());

        Assert.Equal("bye\n", Encoding.ASCII.GetString(await client.ReadToEndAsync()));
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(CloseReason.LocalClose, await handler.Of(client).ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AHandlerThatHalfClosesSendsItsReplyThenFinAndStillReadsThePeerUntilItsFin(SynackTransport transport)
    {
        var handler = new Lines();
        await using var server = Start(handler, transport);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync("half\n"u8.ToArray());

        Assert.Equal("half\n", Encoding.ASCII.GetString(await client.ReadToEndAsync())); // reply, then FIN
        Connection onServer = handler.Of(client);
        await client.SendAsync("still listening\n"u8.ToArray()); // the server's input is still open
        await Loopback.Until(() => onServer.BytesReceived == "half\nstill listening\n".Length);
        Assert.Equal(CloseReason.None, onServer.CloseReason);

        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(CloseReason.LocalHalfCloseThenRemoteFin, await onServer.ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task APeerThatStopsInTheMiddleOfAMessageGetsNoReplyForItAndAGracefulCloseByDefault(SynackTransport transport)
    {
        var handler = new Lines();
        await using var server = Start(handler, transport);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        Assert.Equal("ok whole\n", await AskAsync(client, "whole"));
        await client.SendAsync("partial"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);

        // The default OnEndOfStream reports the truncated message (synack.errors, TruncatedFrame) and the server closes
        // gracefully, as the frame helpers do: FIN, no reply for the partial line, reason RemoteFin.
        Assert.Empty(await client.ReadToEndAsync());
        Assert.Equal(CloseReason.RemoteFin, await handler.Of(client).ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task InputLeftUnconsumedUpToMaxReadBufferSizeIsAbortedAsLimitExceededAndOtherClientsAreStillServed(SynackTransport transport)
    {
        var handler = new Lines();
        await using var server = Start(handler, transport, o => o.Connection.MaxReadBufferSize = 4096);
        using Socket other = await Loopback.ConnectRawAsync(server.EndPoint());
        Assert.Equal("ok before\n", await AskAsync(other, "before"));

        using Socket flooder = await Loopback.ConnectRawAsync(server.EndPoint());
        Task<byte[]> flooderEnd = flooder.ReadToEndAsync();
        try
        {
            await flooder.SendAsync(new byte[64 * 1024]); // no newline: never a complete line
        }
        catch (SocketException)
        {
            // The reset may arrive while the flood is still being sent.
        }

        await Assert.ThrowsAsync<SocketException>(() => flooderEnd);
        Assert.Equal(CloseReason.LimitExceeded, await handler.Of(flooder).ClosedWithin());
        Assert.Equal("ok after\n", await AskAsync(other, "after"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AHandlerBugAbortsOnlyItsConnectionAndIsReported(SynackTransport transport)
    {
        var handler = new Lines();
        await using var server = Start(handler, transport);
        var faulted = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.HandlerFaulted += (_, e) => faulted.TrySetResult(e);
        using Socket other = await Loopback.ConnectRawAsync(server.EndPoint());
        Assert.Equal("ok before\n", await AskAsync(other, "before"));

        using Socket buggy = await Loopback.ConnectRawAsync(server.EndPoint());
        await buggy.SendAsync("boom\n"u8.ToArray());

        Assert.Equal("boom", (await faulted.Task.Within()).Message);
        await Assert.ThrowsAsync<SocketException>(() => buggy.ReadToEndAsync());
        Assert.Equal(CloseReason.HandlerFault, await handler.Of(buggy).ClosedWithin());
        Assert.Equal("ok after\n", await AskAsync(other, "after"));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ADrainClosesIdleConnectionsAtOnceAndLetsAnIncompleteMessageFinishFirst(SynackTransport transport)
    {
        var handler = new Lines();
        var server = Start(handler, transport);
        using Socket idle = await Loopback.ConnectRawAsync(server.EndPoint());
        using Socket busy = await Loopback.ConnectRawAsync(server.EndPoint());
        Assert.Equal("ok first\n", await AskAsync(idle, "first"));
        Assert.Equal("ok first\n", await AskAsync(busy, "first"));
        await busy.SendAsync("pin"u8.ToArray());
        Connection busyOnServer = handler.Of(busy);
        await Loopback.Until(() => busyOnServer.BytesReceived == "first\npin".Length);

        Task<DrainResult> stopping = server.StopAsync(Loopback.Patience);
        Assert.Empty(await idle.ReadToEndAsync()); // FIN at once: it was between messages

        await busy.SendAsync("g\n"u8.ToArray());
        Assert.Equal("ok ping\n", Encoding.ASCII.GetString(await busy.ReadToEndAsync())); // the message finished, then FIN
        busy.Shutdown(SocketShutdown.Send);
        idle.Shutdown(SocketShutdown.Send);

        DrainResult result = await stopping.Within();
        Assert.Equal(2, result.Drained);
        Assert.Equal(0, result.Aborted);
        Assert.Equal(CloseReason.ServerDrain, await busyOnServer.ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AnIdleConnectionIsClosedWithFinAtTheIdleTimeout(SynackTransport transport)
    {
        var time = new FakeTimeProvider();
        var handler = new Lines();
        await using var server = Start(handler, transport, o => o.Connection.IdleTimeout = TimeSpan.FromSeconds(5), time);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        Assert.Equal("ok hello\n", await AskAsync(client, "hello"));
        Connection onServer = handler.Of(client);

        TimeSpan advanced = await time.AdvanceUntil(TimeSpan.FromSeconds(1), () => onServer.CloseReason != CloseReason.None);

        Assert.True(advanced > TimeSpan.FromSeconds(5), $"closed after {advanced}");
        Assert.Empty(await client.ReadToEndAsync()); // FIN, not RST
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(CloseReason.Timeout, await onServer.ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task APeerThatNeverReadsItsRepliesIsAbortedOnceTheBlockedSendOutlastsTheSendLimits(SynackTransport transport)
    {
        var time = new FakeTimeProvider();
        var handler = new Lines();
        await using var server = Start(handler, transport, o => o.Connection.SendTimeout = TimeSpan.FromSeconds(10), time);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        client.ReceiveBufferSize = 64 * 1024;
        await client.SendAsync("big\n"u8.ToArray()); // a 32 MiB reply the client never reads
        await Loopback.Until(() => handler.ByClient.Count == 1);
        Connection onServer = handler.ByClient.Values.Single();
        await Loopback.Until(() => onServer.IsSendBlocked);

        await time.AdvanceUntil(TimeSpan.FromSeconds(1), () => onServer.CloseReason != CloseReason.None);

        Assert.Equal(CloseReason.Timeout, await onServer.ClosedWithin());
        Assert.True(onServer.BytesSent < 32 << 20, $"sent {onServer.BytesSent}");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AHandlerThatClosesAnotherConnectionWithPendingInputStillReadsItsOwnInputIntact(SynackTransport transport)
    {
        // The other connection's reply is blocked (its client never reads), so its next bytes wait in the kernel; closing
        // it from this handler reads and drops them on this handler's thread, which must not touch this handler's input.
        var handler = new Lines();
        await using var server = Start(handler, transport);
        using Socket other = await Loopback.ConnectRawAsync(server.EndPoint());
        other.ReceiveBufferSize = 64 * 1024;
        await other.SendAsync("big\n"u8.ToArray());
        await Loopback.Until(() => handler.ByClient.Count == 1);
        Connection otherOnServer = handler.ByClient.Values.Single();
        await Loopback.Until(() => otherOnServer.IsSendBlocked);
        await other.SendAsync(Enumerable.Repeat((byte)'z', 3000).ToArray());

        using Socket kicker = await Loopback.ConnectRawAsync(server.EndPoint());
        Assert.Equal("ok hello\n", await AskAsync(kicker, "hello"));
        await kicker.SendAsync("kick\nafter the kick\n"u8.ToArray());

        Assert.Equal("ok after the kick\n", Encoding.ASCII.GetString(await kicker.ReadExactlyAsync(18)));
        other.Reset();
        Assert.NotEqual(CloseReason.None, await otherOnServer.ClosedWithin());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AConnectionClosedCallbackThatThrowsDoesNotStopTheServerOrLeakTheConnection(SynackTransport transport)
    {
        var handler = new Lines();
        await using var server = Start(handler, transport);
        using Socket steady = await Loopback.ConnectRawAsync(server.EndPoint());
        Assert.Equal("ok before\n", await AskAsync(steady, "before"));

        using (Socket trapped = await Loopback.ConnectRawAsync(server.EndPoint()))
        {
            await trapped.SendAsync("trap\n"u8.ToArray());
            Assert.Equal("trapped\n", Encoding.ASCII.GetString(await trapped.ReadExactlyAsync(8)));
            Connection onServer = handler.Of(trapped);
            trapped.Shutdown(SocketShutdown.Send);
            Assert.Empty(await trapped.ReadToEndAsync());
            Assert.Equal(CloseReason.RemoteFin, await onServer.ClosedWithin());
        }

        await Loopback.Until(() => server.ActiveConnections == 1); // released and removed despite the callback's throw
        Assert.Equal("ok after\n", await AskAsync(steady, "after"));
        using Socket next = await Loopback.ConnectRawAsync(server.EndPoint());
        Assert.Equal("ok next\n", await AskAsync(next, "next"));
    }

    [Fact]
    public async Task OnTheEpollTransportTheHandlerRunsOnTheLoopThreadAndTheConnectionHasNoPipes()
    {
        var handler = new Lines();
        await using var server = Start(handler, SynackTransport.Epoll);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        Assert.Equal("ok hello\n", await AskAsync(client, "hello"));

        Assert.All(handler.Threads, name => Assert.StartsWith("synack-epoll-", name));
        Connection onServer = handler.Of(client);
        Assert.Throws<InvalidOperationException>(() => onServer.Input);
        Assert.Throws<InvalidOperationException>(() => onServer.Output);
        await Assert.ThrowsAsync<InvalidOperationException>(() => onServer.SendAsync("x"u8.ToArray()).AsTask());
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AnInlineHandlersConnectionSendsItsHeartbeatOnEitherTransportWhenNothingWasSentForItsInterval(SynackTransport transport)
    {
        var time = new FakeTimeProvider();
        await using var server = Start(InlineHandlers.Echo, transport, o => o.Connection.Heartbeat = new Heartbeat(TimeSpan.FromSeconds(5), "\n"u8.ToArray()), time);
        Assert.Equal(transport, server.Transport); // a heartbeat no longer moves an inline handler off the fast path
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync("x"u8.ToArray());
        Assert.Equal("x"u8.ToArray(), await client.ReadExactlyAsync(1).Within());
        await Loopback.Until(() => server.ActiveConnections == 1);

        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("\n"u8.ToArray(), await client.ReadExactlyAsync(1).Within());
        await client.SendAsync("y"u8.ToArray());
        Assert.Equal("y"u8.ToArray(), await client.ReadExactlyAsync(1).Within()); // and the echo carries on after it
    }
}
