using System.Buffers;
using System.Net.Sockets;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.Framing;
using Synack.Server;

namespace Synack.FunctionalTests.Framing;

/// <summary>
/// <see cref="FrameWriter{T}.BeginBatchAsync"/> with <see cref="FrameReader{T}.TryRead"/>: a whole read's frames answered
/// under one take of the send lock and one flush, on every engine an async handler gets.
/// </summary>
public sealed class FrameBatchOverSocketsTests
{
    public static TheoryData<SynackTransport> Transports => Synack.Transport.Epoll.EpollLoop.IsSupported
        ? new() { SynackTransport.Sockets, SynackTransport.Epoll }
        : new() { SynackTransport.Sockets };

    private static readonly LengthFieldCodec Codec = new(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.Four });

    private static async Task BatchEchoAsync(Connection connection)
    {
        FrameReader<ReadOnlySequence<byte>> reader = connection.CreateFrameReader(Codec);
        FrameWriter<ReadOnlyMemory<byte>> writer = connection.CreateFrameWriter<ReadOnlyMemory<byte>>(Codec);
        while (await reader.ReadAsync())
        {
            await using FrameBatch<ReadOnlyMemory<byte>> batch = await writer.BeginBatchAsync();
            do
            {
                batch.Write(reader.Current.ToArray());
            }
            while (reader.TryRead());
        }
    }

    private static byte[] Encode(IEnumerable<byte[]> frames)
    {
        var buffer = new ArrayBufferWriter<byte>();
        foreach (byte[] frame in frames)
        {
            Codec.Encode(frame, buffer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task EveryFrameOfEveryReadIsEchoedInOrderAndCountedWhetherTheyArriveTogetherOrOneByOne(SynackTransport transport)
    {
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = Loopback.StartServer(c =>
        {
            serverSide.TrySetResult(c);
            return BatchEchoAsync(c);
        }, o => o.Transport = transport);
        byte[][] frames = Enumerable.Range(0, 300).Select(i => Enumerable.Range(0, i % 50).Select(j => (byte)(i + j)).ToArray()).ToArray();
        byte[] wire = Encode(frames);

        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        Task<byte[]> echoed = client.ReadToEndAsync();
        await client.SendAsync(wire.AsMemory(0, wire.Length / 2)); // many frames in one read
        for (int i = wire.Length / 2; i < wire.Length; i += 7)
        {
            await client.SendAsync(wire.AsMemory(i, Math.Min(7, wire.Length - i))); // and frames cut across reads
        }

        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(wire, await echoed.Within());
        Connection connection = await serverSide.Task.Within();
        await connection.ClosedWithin();
        Assert.Equal(300, connection.FramesSent);
        Assert.Equal(300, connection.FramesReceived);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AnOpenBatchHoldsOtherWritersBackSoTheirFramesNeverLandInsideIt(SynackTransport transport)
    {
        var firstWritten = new TaskCompletionSource();
        var otherStarted = new TaskCompletionSource<Task>();
        await using var server = Loopback.StartServer(async c =>
        {
            FrameWriter<ReadOnlyMemory<byte>> writer = c.CreateFrameWriter<ReadOnlyMemory<byte>>(Codec);
            await using (FrameBatch<ReadOnlyMemory<byte>> batch = await writer.BeginBatchAsync())
            {
                batch.Write("A1"u8.ToArray());
                Task other = writer.WriteAsync("B"u8.ToArray()).AsTask();
                otherStarted.SetResult(other);
                Assert.False(other.IsCompleted); // it waits for the lock the batch holds
                batch.Write("A2"u8.ToArray());
            }

            await (await otherStarted.Task);
            await c.CloseAsync();
        }, o => o.Transport = transport);

        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        byte[] received = await client.ReadToEndAsync().Within();
        Assert.Equal(Encode(["A1"u8.ToArray(), "A2"u8.ToArray(), "B"u8.ToArray()]), received);
        await (await otherStarted.Task.Within()).Within();
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ABatchBegunAfterThePeerResetFailsAsTheConnectionsErrorAndLeavesTheLockFree(SynackTransport transport)
    {
        var outcome = new TaskCompletionSource<(SynackException Batch, SynackException Write)>();
        var serverSide = new TaskCompletionSource<Connection>();
        var resetSeen = new TaskCompletionSource();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            await resetSeen.Task;
            FrameWriter<ReadOnlyMemory<byte>> writer = c.CreateFrameWriter<ReadOnlyMemory<byte>>(Codec);
            SynackException batch = await Assert.ThrowsAsync<SynackException>(async () =>
            {
                await using FrameBatch<ReadOnlyMemory<byte>> opened = await writer.BeginBatchAsync();
                opened.Write("late"u8.ToArray());
            });
            SynackException write = await Assert.ThrowsAsync<SynackException>(() => writer.WriteAsync("later"u8.ToArray()).AsTask());
            outcome.SetResult((batch, write));
        }, o => o.Transport = transport);

        using (Socket peer = await Loopback.ConnectRawAsync(server.EndPoint()))
        {
            await serverSide.Task.Within();
            peer.Reset();
        }

        Connection connection = await serverSide.Task.Within();
        Assert.Equal(CloseReason.RemoteReset, await connection.ClosedWithin());
        resetSeen.SetResult();
        (SynackException batchError, SynackException writeError) = await outcome.Task.Within();
        Assert.Contains(batchError.Kind, new[] { ErrorKind.Reset, ErrorKind.Closed });
        Assert.Contains(writeError.Kind, new[] { ErrorKind.Reset, ErrorKind.Closed });
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AnOversizeHeaderMetInsideABatchAbortsTheConnectionAndTheBatchsErrorNamesThatReason(SynackTransport transport)
    {
        var caught = new TaskCompletionSource<SynackException>();
        var serverSide = new TaskCompletionSource<Connection>();
        var small = new LengthFieldCodec(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.Four, MaxFrameLength = 64 });
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            FrameReader<ReadOnlySequence<byte>> reader = c.CreateFrameReader(small);
            FrameWriter<ReadOnlyMemory<byte>> writer = c.CreateFrameWriter<ReadOnlyMemory<byte>>(small);
            try
            {
                while (await reader.ReadAsync())
                {
                    await using FrameBatch<ReadOnlyMemory<byte>> batch = await writer.BeginBatchAsync();
                    do
                    {
                        batch.Write(reader.Current.ToArray());
                    }
                    while (reader.TryRead()); // the second frame's header claims 1 MiB
                }
            }
            catch (SynackException e)
            {
                caught.SetResult(e);
            }
        }, o => o.Transport = transport);

        byte[] wire = [.. Encode(["ok"u8.ToArray()]), 0, 0x10, 0, 0, 1, 2, 3];
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync(wire);

        SynackException error = await caught.Task.Within();
        Connection connection = await serverSide.Task.Within();
        Assert.Equal(CloseReason.LimitExceeded, await connection.ClosedWithin());
        Assert.Contains(error.Kind, new[] { ErrorKind.LimitExceeded, ErrorKind.Closed });
        if (error.Kind == ErrorKind.Closed)
        {
            Assert.Contains(nameof(CloseReason.LimitExceeded), error.Message); // disposing the batch reported the abort's cause
        }
    }
}
