using System.Buffers;
using System.Net.Sockets;
using System.Text;
using Synack.Client;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Framing;
using Synack.Server;

namespace Synack.FunctionalTests.Framing;

/// <summary>Issue 15's framing ergonomics over real loopback sockets: header plus body, frames in several buffers, the inline frame handler.</summary>
public sealed class FramingErgonomicsOverSocketsTests
{
    public static TheoryData<SynackTransport> Transports => new() { SynackTransport.Sockets, SynackTransport.Epoll };

    /// <summary>A server that answers each length-prefixed frame with "LENGTH:TEXT" as a line.</summary>
    private static SynackServer StartFrameDescriber() => Loopback.StartServer(async c =>
    {
        FrameReader<ReadOnlySequence<byte>> frames = c.CreateFrameReader(new LengthFieldCodec());
        while (await frames.ReadAsync())
        {
            await c.SendLineAsync($"{frames.Current.Length}:{Encoding.ASCII.GetString(frames.Current)}");
        }
    });

    [Fact]
    public async Task AHeaderAndABodyWrittenWithoutConcatenationArriveAsOneLengthPrefixedFrame()
    {
        await using SynackServer server = StartFrameDescriber();
        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint());
        FrameWriter<ReadOnlyMemory<byte>> writer = client.CreateFrameWriter(new LengthFieldCodec());

        await writer.WriteAsync("GET "u8.ToArray(), "key-1"u8.ToArray());
        Assert.Equal("9:GET key-1", await client.ReadLineAsync().Within());
        Assert.Equal(1, client.FramesSent);
    }

    [Fact]
    public async Task AFrameHeldInSeveralBuffersIsSentAsOneFrameWithOneTerminator()
    {
        await using SynackServer server = Loopback.StartServer(Loopback.LineEcho);
        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint());
        FrameWriter<ReadOnlyMemory<byte>> writer = client.CreateFrameWriter(new LineCodec());

        var pipe = new System.IO.Pipelines.Pipe(new System.IO.Pipelines.PipeOptions(minimumSegmentSize: 16));
        for (int i = 0; i < 40; i++)
        {
            pipe.Writer.Write(Encoding.ASCII.GetBytes($"part{i:D2} ")); // 8 bytes each, 16-byte segments: many buffers
            await pipe.Writer.FlushAsync();
        }

        pipe.Writer.Complete();
        ReadOnlySequence<byte> pieces = (await pipe.Reader.ReadAsync()).Buffer;
        Assert.False(pieces.IsSingleSegment);

        await writer.WriteAsync(pieces);
        Assert.Equal(Encoding.ASCII.GetString(pieces), await client.ReadLineAsync().Within());
    }

    /// <summary>Answers each length-prefixed frame with the frame reversed, encoded straight into the batch's output.</summary>
    private sealed class Reverser() : InlineFrameHandler<ReadOnlySequence<byte>>(new LengthFieldCodec())
    {
        private readonly LengthFieldCodec _codec = new();

        protected override bool OnFrame(Connection connection, ReadOnlySequence<byte> frame, IBufferWriter<byte> output)
        {
            byte[] reversed = frame.ToArray();
            Array.Reverse(reversed);
            _codec.Encode(reversed, output);
            return true;
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AnInlineFrameHandlerAnswersEachFrameOnceWholeWhenTheFramesArriveOneByteAtATime(SynackTransport transport)
    {
        await using SynackServer server = Loopback.StartServer(new Reverser(), transport);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        var codec = new LengthFieldCodec();
        var wire = new ArrayBufferWriter<byte>();
        var expected = new ArrayBufferWriter<byte>();
        foreach (string frame in new[] { "abc", "", "hello world", new string('z', 3000) })
        {
            codec.Encode(Encoding.ASCII.GetBytes(frame), wire);
            codec.Encode(Encoding.ASCII.GetBytes(new string(frame.Reverse().ToArray())), expected);
        }

        foreach (byte b in wire.WrittenSpan.ToArray())
        {
            await client.SendAsync(new[] { b });
        }

        Assert.Equal(expected.WrittenSpan.ToArray(), await client.ReadExactlyAsync(expected.WrittenCount));
        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReadToEndAsync()); // a clean end: no partial frame was left over
    }
}
