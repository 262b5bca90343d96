using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.Framing;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;
using Synack.Testing.Proxy;
using Synack.Testing.Proxy.Faults;

namespace Synack.FunctionalTests.Adversarial;

/// <summary>Hostile networks and peers, injected through the fault proxy: the server stays healthy and loses nothing.</summary>
public sealed class AdversarialTests
{
    public static TheoryData<string> Codecs => new() { "line", "length", "fixed" };

    private static (IFrameDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>>) Codec(string name) => name switch
    {
        "line" => (new LineCodec(), new LineCodec()),
        "length" => (new LengthFieldCodec(), new LengthFieldCodec()),
        _ => (new FixedLengthCodec(16), new FixedLengthCodec(16)),
    };

    private static byte[] Frame(string codec, int i) => codec == "fixed"
        ? System.Text.Encoding.ASCII.GetBytes($"frame {i:D10}")
        : System.Text.Encoding.ASCII.GetBytes($"frame {i} " + new string('x', i % 37));

    /// <summary>Records what each server-side handler ended with, keyed by the peer's port as the server saw it.</summary>
    private sealed class Outcomes
    {
        public readonly ConcurrentDictionary<int, (Exception? Error, Connection Connection)> ByPeer = new();

        public Synack.Server.ConnectionHandler Wrap(Synack.Server.ConnectionHandler handler) => async c =>
        {
            try
            {
                await handler(c);
                ByPeer[((IPEndPoint)c.RemoteEndPoint).Port] = (null, c);
            }
            catch (Exception e)
            {
                ByPeer[((IPEndPoint)c.RemoteEndPoint).Port] = (e, c);
                throw;
            }
        };
    }

    private static Synack.Server.ConnectionHandler FrameEcho(string codec) => async c =>
    {
        (var decoder, var encoder) = Codec(codec);
        var frames = c.CreateFrameReader(decoder);
        var writer = c.CreateFrameWriter(encoder);
        while (await frames.ReadAsync())
        {
            await writer.WriteAsync(frames.Current.ToArray());
        }
    };

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task EveryCodecYieldsIdenticalFramesWhenTheProxySlicesBothDirectionsToOneByte(string codec)
    {
        await using var server = Loopback.StartServer(FrameEcho(codec));
        await using var proxy = new FaultProxy(new(IPAddress.Loopback, 0), server.EndPoint(), [new SlicerFault(1)]).Start();
        await using Connection client = await SynackClient.ConnectAsync(proxy.LocalEndPoint);
        (var decoder, var encoder) = Codec(codec);
        var writer = client.CreateFrameWriter(encoder);
        var echoes = client.CreateFrameReader(decoder);

        for (int i = 0; i < 40; i++)
        {
            await writer.WriteAsync(Frame(codec, i));
        }

        await client.CompleteOutputAsync();
        for (int i = 0; i < 40; i++)
        {
            Assert.True(await echoes.ReadAsync().Within());
            Assert.Equal(Frame(codec, i), echoes.Current.ToArray());
        }

        Assert.False(await echoes.ReadAsync().Within()); // then a clean end-of-stream
    }

    [Fact]
    public async Task AnRstMidFrameFailsTheServersReadAsAResetRecordsTheReasonAndOthersAreServed()
    {
        var outcomes = new Outcomes();
        await using var server = Loopback.StartServer(outcomes.Wrap(FrameEcho("length")));
        await using var proxy = new FaultProxy(new(IPAddress.Loopback, 0), server.EndPoint(),
            [new ResetPeerFault(afterBytes: 10) { Direction = Direction.Upstream }]).Start();

        using (Socket victim = await Loopback.ConnectRawAsync(proxy.LocalEndPoint))
        {
            byte[] frame = new byte[4 + 100];
            BinaryPrimitives.WriteInt32BigEndian(frame, 100);
            await victim.SendAsync(frame);
            await Assert.ThrowsAsync<SocketException>(() => victim.ReadToEndAsync());
        }

        await Loopback.Until(() => outcomes.ByPeer.Count == 1);
        (Exception? error, Connection connection) = outcomes.ByPeer.Values.Single();
        Assert.Equal(ErrorKind.Reset, Assert.IsType<SynackException>(error).Kind);
        Assert.Equal(CloseReason.RemoteReset, await connection.ClosedWithin());
        await AssertServesAsync(server.EndPoint());
    }

    [Fact]
    public async Task AFrameCutShortByEndOfStreamIsATruncatedFrameAndOthersAreServed()
    {
        var outcomes = new Outcomes();
        await using var server = Loopback.StartServer(outcomes.Wrap(FrameEcho("length")));
        await using var proxy = new FaultProxy(new(IPAddress.Loopback, 0), server.EndPoint(),
            [new LimitDataFault(20) { Direction = Direction.Upstream }]).Start();

        using (Socket victim = await Loopback.ConnectRawAsync(proxy.LocalEndPoint))
        {
            byte[] frame = new byte[4 + 100];
            BinaryPrimitives.WriteInt32BigEndian(frame, 100);
            await victim.SendAsync(frame);
            await victim.ReadToEndAsync();
        }

        await Loopback.Until(() => outcomes.ByPeer.Count == 1);
        Assert.Equal(ErrorKind.TruncatedFrame, Assert.IsType<SynackException>(outcomes.ByPeer.Values.Single().Error).Kind);
        await AssertServesAsync(server.EndPoint());
    }

    [Fact]
    public async Task AnOversizeLengthPrefixSlicedToOneByteIsRejectedFromTheHeaderAndOthersAreServed()
    {
        var outcomes = new Outcomes();
        await using var server = Loopback.StartServer(outcomes.Wrap(FrameEcho("length")));
        await using var proxy = new FaultProxy(new(IPAddress.Loopback, 0), server.EndPoint(), [new SlicerFault(1)]).Start();

        using (Socket victim = await Loopback.ConnectRawAsync(proxy.LocalEndPoint))
        {
            await victim.SendAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3 });
            await Assert.ThrowsAsync<SocketException>(() => victim.ReadToEndAsync()); // RST: the server aborted it
        }

        await Loopback.Until(() => outcomes.ByPeer.Count == 1);
        Exception? error = outcomes.ByPeer.Values.Single().Error;
        Assert.True(Assert.IsType<SynackException>(error).Kind is ErrorKind.LimitExceeded or ErrorKind.ProtocolError);
        await AssertServesAsync(server.EndPoint());
    }

    private static async Task AssertServesAsync(IPEndPoint endPoint)
    {
        await using Connection other = await SynackClient.ConnectAsync(endPoint);
        var writer = other.CreateFrameWriter(new LengthFieldCodec());
        var reader = other.CreateFrameReader(new LengthFieldCodec());
        await writer.WriteAsync("still serving"u8.ToArray());
        Assert.True(await reader.ReadAsync().Within());
        Assert.Equal("still serving"u8.ToArray(), reader.Current.ToArray());
    }
}
