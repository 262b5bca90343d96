using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Synack.Client;
using Synack.Connections;
using Synack.Diagnostics;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.Framing;
using Synack.Server;

namespace Synack.FunctionalTests.Limits;

/// <summary>
/// Memory under hostile input, on every engine (issue 14, problem 2): input whose header no decoder has accepted costs one
/// read (<see cref="ConnectionOptions.MaxUnjudgedBytes"/>), not the read cap; and a server-wide budget
/// (<see cref="ServerOptions.MaxBufferedBytes"/>) pauses, then sheds, the connections with the largest buffers. What the
/// server buffers is measured by the budget's own count (its high-water mark) and each connection's bytes received, not
/// by the process's RSS.
/// </summary>
[Collection(nameof(Diagnostics.QuietProcess))] // hundreds of sockets and a meter listener: alone, after the parallel tests
public sealed class HostileInputMemoryTests
{
    private const int Hostile = 200;
    private const int OneRead = 64 * 1024; // ConnectionOptions.MaxUnjudgedBytes' default

    public enum Engine
    {
        Sockets,
        EpollDirect,
        EpollPipes,
        EpollInline,
    }

    public static TheoryData<Engine> Engines => Synack.Transport.Epoll.EpollLoop.IsSupported
        ? new() { Engine.Sockets, Engine.EpollDirect, Engine.EpollPipes, Engine.EpollInline }
        : new() { Engine.Sockets };

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task HundredsOfHostileLengthHeadersWithMegabytesBehindThemCostOneReadEachWhileAGoodClientIsServed(Engine engine)
    {
        int accepted = 0;
        var allHostileAccepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var judge = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hostileConnections = new System.Collections.Concurrent.ConcurrentBag<Connection>();
        await using SynackServer server = Start(engine, async c =>
        {
            if (Interlocked.Increment(ref accepted) <= Hostile)
            {
                // A handler that is slow to look at its input (an authentication lookup, a busy thread pool): meanwhile
                // the engine reads ahead, and only as far as one read.
                hostileConnections.Add(c);
                if (hostileConnections.Count == Hostile)
                {
                    allHostileAccepted.TrySetResult();
                }

                await judge.Task;
            }

            await EchoFramesAsync(c);
        }, o =>
        {
            o.Connection.ReceiveBufferSize = 64 * 1024; // keeps the kernel's share small: 200 peers, each blocked early
        });

        var peers = new List<Socket>();
        var resetWhileSending = new HashSet<Socket>();
        try
        {
            byte[] junk = new byte[64 * 1024];
            Array.Fill(junk, (byte)0xFF); // FF FF FF FF: a length far above the 1 MiB maximum, then more of the same
            for (int i = 0; i < Hostile; i++)
            {
                var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 64 * 1024 };
                peers.Add(peer);
                await peer.ConnectAsync(server.EndPoint()).WaitAsync(Loopback.Patience);
                peer.Blocking = false;
                long sent = 0;
                while (sent < 2 * 1024 * 1024)
                {
                    int n = peer.Send(junk, 0, junk.Length, SocketFlags.None, out SocketError error);
                    if (error == SocketError.WouldBlock)
                    {
                        break; // both windows are full: the server has stopped reading this peer
                    }

                    if (error != SocketError.Success)
                    {
                        // Refused already (the inline engine judges each read as it comes): reset, or EPIPE after it.
                        Assert.Contains(error, new[] { SocketError.ConnectionReset, SocketError.Shutdown, SocketError.ConnectionAborted });
                        resetWhileSending.Add(peer);
                        break;
                    }

                    sent += n;
                }
            }

            if (engine != Engine.EpollInline)
            {
                await allHostileAccepted.Task.Within();
                foreach (Connection hostile in hostileConnections)
                {
                    // Before: the pipes engine's pump read ahead to MaxReadBufferSize (2 MiB) before the handler judged.
                    Assert.InRange(hostile.BytesReceived, 0, OneRead);
                }
            }

            // A good client is served while the hostile peers are connected (and, on the async engines, not yet judged).
            await AssertServedAsync(server);

            judge.SetResult(); // the handlers look: each header is refused at once, LimitExceeded, RST
            foreach (Socket peer in peers.Where(p => !resetWhileSending.Contains(p)))
            {
                peer.Blocking = true;
                SocketException reset = await Assert.ThrowsAsync<SocketException>(() => peer.ReadToEndAsync().Within());
                Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
            }

            await Loopback.Until(() => server.ActiveConnections == 0);
            Assert.InRange(server.PeakBufferedBytes, 0, (long)Hostile * OneRead + (64 * 1024));
            await Loopback.Until(() => server.BufferedBytes == 0); // every byte counted was given back
            await AssertServedAsync(server);
        }
        finally
        {
            peers.ForEach(p => p.Dispose());
        }
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task OverItsBufferBudgetAServerPausesThenShedsTheLargestBuffersAndKeepsServingAGoodClient(Engine engine)
    {
        const int slow = 8;
        const int held = 256 * 1024;
        const long budget = 1024 * 1024;
        using var shedMetric = new CounterListener("synack.overload.shed");
        var events = new System.Collections.Concurrent.ConcurrentQueue<BufferOverloadEvent>();
        await using SynackServer server = Start(engine, EchoFramesAsync, o =>
        {
            o.MaxBufferedBytes = budget;
            o.Connection.MinReceiveRate = null;                         // only the budget may end these slow peers
            o.Connection.FrameReadTimeout = Timeout.InfiniteTimeSpan;
        });
        var shed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.BufferOverload += e =>
        {
            events.Enqueue(e);
            if (e.Action == BufferOverloadAction.Shed)
            {
                shed.TrySetResult();
            }
        };

        var peers = new List<Socket>();
        try
        {
            // Each slow peer announces a 512 KiB frame (an accepted header: it may be buffered whole), sends half of it and
            // stalls. Eight of them hold 2 MiB, twice the budget.
            byte[] part = new byte[4 + held];
            BinaryPrimitives.WriteInt32BigEndian(part, 512 * 1024);
            for (int i = 0; i < slow; i++)
            {
                Socket peer = await Loopback.ConnectRawAsync(server.EndPoint());
                peers.Add(peer);
                await peer.SendAsync(part).Within();
            }

            await shed.Task.Within();
            await AssertServedAsync(server);

            BufferOverloadEvent[] seen = events.ToArray();
            BufferOverloadEvent firstShed = seen.First(e => e.Action == BufferOverloadAction.Shed);
            Assert.True(Array.FindIndex(seen, e => e.Action == BufferOverloadAction.Paused && e.Connection == firstShed.Connection) < Array.IndexOf(seen, firstShed),
                "paused before shed");
            Assert.InRange(firstShed.ConnectionBytes, held / 2, held + 4);
            Assert.Equal(CloseReason.LimitExceeded, await firstShed.Connection.ClosedWithin());
            await Loopback.Until(() => server.BufferedBytes <= budget);
            await Loopback.Until(() => shedMetric.Total >= 1);

            // A shed peer sees its connection reset; the server carries on for a good client.
            int reset = 0;
            foreach (Socket peer in peers)
            {
                peer.Blocking = false;
                byte[] one = new byte[1];
                int n = peer.Receive(one, 0, 1, SocketFlags.None, out SocketError error);
                reset += error == SocketError.ConnectionReset || n == 0 ? 1 : 0;
            }

            Assert.InRange(reset, 1, slow);
            await AssertServedAsync(server);
        }
        finally
        {
            peers.ForEach(p => p.Dispose());
        }
    }

    [Theory]
    [MemberData(nameof(AsyncEngines))]
    public async Task AReaderThatExaminesEverythingAndAsksForMoreGetsItOneReadAtATimeUpToTheReadCap(Engine engine)
    {
        const int wanted = 300 * 1024; // far past one read: a raw reader that judges the bytes itself, consuming none yet
        await using SynackServer server = Start(engine, async c =>
        {
            while (true)
            {
                System.IO.Pipelines.ReadResult read = await c.Input.ReadAsync();
                if (read.Buffer.Length >= wanted)
                {
                    c.Input.AdvanceTo(read.Buffer.End);
                    await c.SendAsync("ok"u8.ToArray());
                    return;
                }

                c.Input.AdvanceTo(read.Buffer.Start, read.Buffer.End); // examined all, consumed nothing: more, please
            }
        }, _ => { });

        using Socket peer = await Loopback.ConnectRawAsync(server.EndPoint());
        await peer.SendAsync(new byte[wanted]).Within();
        Assert.Equal("ok"u8.ToArray(), await peer.ReadExactlyAsync(2).Within());
    }

    public static TheoryData<Engine> AsyncEngines => Synack.Transport.Epoll.EpollLoop.IsSupported
        ? new() { Engine.Sockets, Engine.EpollDirect, Engine.EpollPipes }
        : new() { Engine.Sockets };

    private static SynackServer Start(Engine engine, ConnectionHandler handler, Action<ServerOptions> configure) => engine == Engine.EpollInline
        ? Loopback.StartServer(new InlineEcho(), SynackTransport.Epoll, configure)
        : Loopback.StartServer(handler, o =>
        {
            o.Transport = engine == Engine.Sockets ? SynackTransport.Sockets : SynackTransport.Epoll;
            o.Connection.PipesOnEpoll = engine == Engine.EpollPipes;
            configure(o);
        });

    private static async Task EchoFramesAsync(Connection connection)
    {
        var codec = new LengthFieldCodec();
        FrameReader<ReadOnlySequence<byte>> reader = connection.CreateFrameReader(codec);
        FrameWriter<ReadOnlyMemory<byte>> writer = connection.CreateFrameWriter<ReadOnlyMemory<byte>>(codec);
        try
        {
            while (await reader.ReadAsync())
            {
                await writer.WriteAsync(reader.Current.ToArray());
            }
        }
        catch (SynackException)
        {
        }
    }

    /// <summary>A good client: 20 frames, each echoed whole and in order.</summary>
    private static async Task AssertServedAsync(SynackServer server)
    {
        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint()).Within();
        var codec = new LengthFieldCodec();
        FrameWriter<ReadOnlyMemory<byte>> writer = client.CreateFrameWriter<ReadOnlyMemory<byte>>(codec);
        FrameReader<ReadOnlySequence<byte>> reader = client.CreateFrameReader(codec);
        for (int i = 0; i < 20; i++)
        {
            byte[] message = System.Text.Encoding.ASCII.GetBytes($"good client message {i}");
            await writer.WriteAsync(message).Within();
            Assert.True(await reader.ReadAsync().Within());
            Assert.Equal(message, reader.Current.ToArray());
        }
    }

    private sealed class InlineEcho() : InlineFrameHandler<ReadOnlySequence<byte>>(new LengthFieldCodec())
    {
        private static readonly LengthFieldCodec Codec = new();

        protected override bool OnFrame(Connection connection, ReadOnlySequence<byte> frame, IBufferWriter<byte> output)
        {
            Codec.Encode(frame, output);
            return true;
        }
    }

    /// <summary>Sums one Synack counter while it lives.</summary>
    private sealed class CounterListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public CounterListener(string name)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SynackMetrics.MeterName && instrument.Name == name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }
}
