using System.Buffers;
using System.Net.Sockets;
using System.Text;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Transport;

/// <summary>
/// The epoll engines under scripted kernel answers (issue 14, "syscall faults"): EINTR, spurious EAGAIN, ENOBUFS,
/// ECONNRESET, EPIPE and short reads and writes, each at chosen call numbers through <see cref="ScriptedSocketCalls"/>,
/// over real sockets. No connection may lose or reorder bytes, none may hang, and a fatal errno fails only its own
/// connection, with a classified error. bench/syscall-faults.sh does the same at random through strace's --inject.
/// </summary>
public class SyscallFaultTests
{
    public enum Engine
    {
        Inline,
        Direct,
    }

    public static TheoryData<Engine> Engines => Synack.Transport.Epoll.EpollLoop.IsSupported
        ? new() { Engine.Inline, Engine.Direct }
        : new();

    private sealed class Observed
    {
        public TaskCompletionSource<Connection> First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<SynackException> Failure { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>An echo server on <paramref name="engine"/> whose engines make their calls through <paramref name="calls"/>.</summary>
    private static SynackServer Echo(Engine engine, ScriptedSocketCalls calls, Observed observed, Action<ConnectionOptions>? options = null)
    {
        void Configure(ServerOptions o)
        {
            o.Transport = SynackTransport.Epoll;
            o.Connection.SocketCalls = calls;
            options?.Invoke(o.Connection);
        }

        if (engine == Engine.Inline)
        {
            return Loopback.StartServer(new ObservedInlineEcho(observed), SynackTransport.Epoll, Configure);
        }

        return Loopback.StartServer(async c =>
        {
            observed.First.TrySetResult(c);
            try
            {
                await ConnectionHandlers.Echo(c);
            }
            catch (SynackException e)
            {
                observed.Failure.TrySetResult(e);
            }
        }, Configure);
    }

    private sealed class ObservedInlineEcho(Observed observed) : IInlineHandler
    {
        public void OnConnected(Connection connection, IBufferWriter<byte> output) => observed.First.TrySetResult(connection);

        public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output) =>
            InlineHandlers.Echo.OnReceived(connection, input, output);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task RecvAndSendInterruptedBySignalsAreRetriedAndAMegabyteEchoesIntact(Engine engine)
    {
        var calls = new ScriptedSocketCalls(
            recv: n => n % 2 == 0 ? SyscallFault.Fail(SyscallFault.Eintr) : SyscallFault.None,
            send: n => n % 3 == 0 ? SyscallFault.Fail(SyscallFault.Eintr) : SyscallFault.None);
        await StreamsEchoIntact(engine, calls, clients: 3, size: 1024 * 1024, faults: 10);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task ShortWritesResumeWhereTheKernelStoppedAndLoseNothing(Engine engine)
    {
        var calls = new ScriptedSocketCalls(send: n => SyscallFault.Short(n % 7 * 331 + 1));
        await StreamsEchoIntact(engine, calls, clients: 2, size: 512 * 1024, faults: 10);
    }

    /// <remarks>
    /// The async echo hands each read to one WriteAsync, which the direct engine sends from the input's memory when it is
    /// 16 KiB or more (stop 25, the (d) copy). Here the kernel takes a part and then says EAGAIN: the rest must be queued
    /// in order, behind a send cap smaller than it (so the flush waits), and go out on the output edge.
    /// </remarks>
    [Theory]
    [MemberData(nameof(Engines))]
    public async Task LargeWritesCutShortByEagainQueueTheirRestInOrderBehindASmallSendCap(Engine engine)
    {
        var calls = new ScriptedSocketCalls(send: n => (n % 3) switch
        {
            1 => SyscallFault.Short(n % 7 * 2999 + 1),
            2 => SyscallFault.Fail(SyscallFault.Eagain),
            _ => SyscallFault.None,
        });
        await using SynackServer server = Echo(engine, calls, new Observed(), o => o.MaxPendingSendBytes = 1024);
        await Loopback.StreamThroughEchoAsync(server.EndPoint(), clients: 3, size: 2 * 1024 * 1024);
        Assert.True(calls.Injected > 20, $"only {calls.Injected} faults met");
    }

    /// <remarks>
    /// The engines take a short read to mean the socket is drained, as the kernel guarantees for TCP: bytes that arrive
    /// after a recv() raise a new edge. A scripted short read leaves bytes behind without one, so this peer streams and
    /// then half-closes: the FIN's edge reads the rest. What is proved: nothing is lost or reordered across short reads.
    /// </remarks>
    [Theory]
    [MemberData(nameof(Engines))]
    public async Task ShortReadsLoseAndReorderNothing(Engine engine)
    {
        var calls = new ScriptedSocketCalls(recv: n => SyscallFault.Short(n % 5 * 1013 + 1));
        await StreamsEchoIntact(engine, calls, clients: 1, size: 48 * 1024, faults: 3);
    }

    /// <remarks>
    /// Two in a row matter: the second comes from the send made on the writable edge, after which the kernel raises no
    /// further edge for a socket that never filled (bench/syscall-faults.sh stalled 17 of 20 connections so, until the
    /// engines re-armed EPOLLOUT on every EAGAIN).
    /// </remarks>
    [Theory]
    [MemberData(nameof(Engines))]
    public async Task SpuriousEagainsOnSendEvenTwiceInARowAreWaitedOutAndEveryRequestIsAnswered(Engine engine)
    {
        var calls = new ScriptedSocketCalls(send: n => n % 4 is 1 or 2 ? SyscallFault.Fail(SyscallFault.Eagain) : SyscallFault.None);
        await using SynackServer server = Echo(engine, calls, new Observed());

        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        for (int i = 0; i < 200; i++)
        {
            byte[] request = Encoding.ASCII.GetBytes($"request {i}\n");
            await client.SendAsync(request);
            Assert.Equal(request, await client.ReadExactlyAsync(request.Length));
        }

        Assert.True(calls.Injected >= 100, $"only {calls.Injected} faults met");
    }

    /// <remarks>The peer's bytes and its FIN wait in the kernel together, and every recv() takes one byte: the FIN's edge
    /// came once, so the engine must keep reading past short reads while the input is ending.</remarks>
    [Theory]
    [MemberData(nameof(Engines))]
    public async Task DataAndAFinArrivingTogetherAreBothDeliveredEvenOneByteAtATime(Engine engine)
    {
        var calls = new ScriptedSocketCalls(recv: _ => SyscallFault.Short(1));
        var observed = new Observed();
        await using SynackServer server = Echo(engine, calls, observed);

        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        byte[] request = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(i => $"line {i}\n")));
        await client.SendAsync(request);
        client.Shutdown(SocketShutdown.Send); // FIN right behind the data

        Assert.Equal(request, await client.ReadToEndAsync());
        Assert.Equal(CloseReason.RemoteFin, await (await observed.First.Task.Within()).ClosedWithin());
        Assert.True(calls.Injected > 100, $"only {calls.Injected} faults met");
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task AResetFromRecvFailsOnlyThatConnectionAsARemoteReset(Engine engine)
    {
        var calls = new ScriptedSocketCalls(recv: n => n == 1 ? SyscallFault.Fail(SyscallFault.Econnreset) : SyscallFault.None);
        var observed = new Observed();
        await using SynackServer server = Echo(engine, calls, observed);

        using (Socket victim = await Loopback.ConnectRawAsync(server.EndPoint()))
        {
            await victim.SendAsync("doomed\n"u8.ToArray());
            Connection connection = await observed.First.Task.Within();
            Assert.Equal(CloseReason.RemoteReset, await connection.ClosedWithin());
        }

        await AssertServesAnotherClient(server);
        if (engine == Engine.Direct)
        {
            SynackException failure = await observed.Failure.Task.Within();
            Assert.Equal((ErrorKind.Reset, "read"), (failure.Kind, failure.Operation));
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task ABrokenPipeOrNoBufferSpaceFromSendFailsOnlyThatConnectionWithAClassifiedError(Engine engine)
    {
        foreach ((int errno, ErrorKind kind) in new[] { (SyscallFault.Epipe, ErrorKind.BrokenPipe), (SyscallFault.Enobufs, ErrorKind.Other), (SyscallFault.Enomem, ErrorKind.Other) })
        {
            var calls = new ScriptedSocketCalls(send: n => n == 1 ? SyscallFault.Fail(errno) : SyscallFault.None);
            var observed = new Observed();
            await using SynackServer server = Echo(engine, calls, observed);

            using (Socket victim = await Loopback.ConnectRawAsync(server.EndPoint()))
            {
                await victim.SendAsync("doomed\n"u8.ToArray());
                Connection connection = await observed.First.Task.Within();
                CloseReason reason = await connection.ClosedWithin();
                Assert.NotEqual(CloseReason.None, reason);
                Assert.Empty(await victim.ReadToEndOrResetAsync()); // the reply was never half-sent
            }

            await AssertServesAnotherClient(server);
            if (engine == Engine.Direct)
            {
                // The echo's flush returned before the send (flushes in a dispatch go out as one send() at its end), so the
                // handler meets the failure at its next read: the kind is the send's.
                Assert.Equal(kind, (await observed.Failure.Task.Within()).Kind);
            }
        }
    }

    /// <summary>Clients stream through the echo and half-close; every byte comes back in order, past at least that many faults.</summary>
    private static async Task StreamsEchoIntact(Engine engine, ScriptedSocketCalls calls, int clients, int size, int faults)
    {
        await using SynackServer server = Echo(engine, calls, new Observed());
        await Loopback.StreamThroughEchoAsync(server.EndPoint(), clients, size);
        Assert.True(calls.Injected > faults, $"only {calls.Injected} faults met");
    }

    private static async Task AssertServesAnotherClient(SynackServer server)
    {
        using Socket next = await Loopback.ConnectRawAsync(server.EndPoint());
        await next.SendAsync("still here\n"u8.ToArray());
        Assert.Equal("still here\n"u8.ToArray(), await next.ReadExactlyAsync(11));
    }
}
