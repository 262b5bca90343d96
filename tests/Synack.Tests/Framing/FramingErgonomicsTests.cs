using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Synack.Connections;
using Synack.Errors;
using Synack.Framing;

namespace Synack.Tests.Framing;

/// <summary>
/// Issue 15's framing ergonomics over scripted buffers: frames held in several buffers, a header plus a body without
/// concatenation, and the inline frame handler's consumed counts.
/// </summary>
public sealed class FramingErgonomicsTests
{
    public static TheoryData<string> Codecs => new() { "length-4", "length-varint", "line-lf", "line-crlf", "delimiter", "fixed" };

    private static IFrameEncoder<ReadOnlyMemory<byte>> Make(string name) => name switch
    {
        "length-4" => new LengthFieldCodec(),
        "length-varint" => new LengthFieldCodec(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.VarInt }),
        "line-lf" => new LineCodec(LineEnding.Lf),
        "line-crlf" => new LineCodec(LineEnding.CrLf),
        "delimiter" => new DelimiterCodec("||"u8.ToArray()),
        _ => new FixedLengthCodec(11),
    };

    private static byte[] Encode(IFrameEncoder<ReadOnlyMemory<byte>> encoder, ReadOnlyMemory<byte> frame)
    {
        var output = new ArrayBufferWriter<byte>();
        encoder.Encode(frame, output);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] Encode(ISequenceFrameEncoder encoder, ReadOnlySequence<byte> frame)
    {
        var output = new ArrayBufferWriter<byte>();
        encoder.Encode(frame, output);
        return output.WrittenSpan.ToArray();
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void AFrameSplitIntoTwoBuffersAtAnyPointEncodesToTheSameBytesAsInOne(string codec)
    {
        IFrameEncoder<ReadOnlyMemory<byte>> encoder = Make(codec);
        byte[] frame = "hello world"u8.ToArray();
        byte[] expected = Encode(encoder, frame);
        for (int split = 0; split <= frame.Length; split++)
        {
            ReadOnlySequence<byte> parts = FrameBytes.Join(frame.AsMemory(0, split), frame.AsMemory(split));
            Assert.Equal(expected, Encode((ISequenceFrameEncoder)encoder, parts));
        }
    }

    [Theory]
    [InlineData("line-lf", "ab", "\ncd")]
    [InlineData("line-lf", "ab", "\r")]
    [InlineData("line-crlf", "ab\r", "\ncd")]
    [InlineData("delimiter", "ab|", "|cd")]
    public void ATerminatorSplitAcrossTwoBuffersIsRefusedAsInOneBuffer(string codec, string first, string second)
    {
        var encoder = (ISequenceFrameEncoder)Make(codec);
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => encoder.Encode(FrameBytes.Join(Encoding.ASCII.GetBytes(first), Encoding.ASCII.GetBytes(second)), output));
        Assert.Equal(0, output.WrittenCount); // nothing is written then
    }

    [Fact]
    public async Task AHeaderPlusBodyThroughAFrameWriterIsOneLengthPrefixedFrameAndTheLimitCoversBoth()
    {
        var pipe = new Pipe();
        var codec = new LengthFieldCodec(new LengthFieldOptions { MaxFrameLength = 16 });
        var writer = new FrameWriter<ReadOnlyMemory<byte>>(pipe.Writer, codec);

        await writer.WriteAsync("\x01\x07"u8.ToArray(), "payload"u8.ToArray());
        await Assert.ThrowsAsync<SynackException>(async () => await writer.WriteAsync(new byte[8], new byte[9])); // 17 > 16
        pipe.Writer.Complete();

        var reader = new FrameReader<ReadOnlySequence<byte>>(pipe.Reader, codec);
        Assert.True(await reader.ReadAsync());
        Assert.Equal("\x01\x07payload"u8.ToArray(), reader.Current.ToArray());
        reader.Release();
        Assert.False(await reader.ReadAsync()); // the refused frame wrote nothing
    }

    /// <summary>An encoder of single buffers only: a sequence reaches it joined.</summary>
    private sealed class Upper : IFrameEncoder<ReadOnlyMemory<byte>>
    {
        public void Encode(in ReadOnlyMemory<byte> frame, IBufferWriter<byte> output) =>
            output.Write(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(frame.Span).ToUpperInvariant() + ";"));
    }

    [Fact]
    public async Task AnEncoderWithoutSequenceSupportGetsTheFrameJoinedIntoOneBuffer()
    {
        var pipe = new Pipe();
        var writer = new FrameWriter<ReadOnlyMemory<byte>>(pipe.Writer, new Upper());
        await writer.WriteAsync("head"u8.ToArray(), "body"u8.ToArray());
        pipe.Writer.Complete();
        ReadResult read = await pipe.Reader.ReadAsync();
        Assert.Equal("HEADBODY;", Encoding.ASCII.GetString(read.Buffer.ToArray()));
    }

    /// <summary>Collects frames; stops the batch at "stop".</summary>
    private sealed class Collect() : InlineFrameHandler<ReadOnlySequence<byte>>(new LengthFieldCodec(new LengthFieldOptions { MaxFrameLength = 64 }))
    {
        public List<string> Frames { get; } = new();

        protected override bool OnFrame(Connection connection, ReadOnlySequence<byte> frame, IBufferWriter<byte> output)
        {
            Frames.Add(Encoding.ASCII.GetString(frame));
            return Frames[^1] != "stop";
        }
    }

    private static byte[] Frames(params string[] frames)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (string frame in frames)
        {
            new LengthFieldCodec().Encode(Encoding.ASCII.GetBytes(frame), output);
        }

        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void TheInlineFrameHandlerConsumesOnlyWholeFramesWhereverTheInputIsSplit()
    {
        byte[] wire = Frames("one", "", "three", "four!");
        for (int split = 0; split <= wire.Length; split++)
        {
            var handler = new Collect();
            var output = new ArrayBufferWriter<byte>();
            long consumed = handler.OnReceived(null!, new ReadOnlySequence<byte>(wire, 0, split), output);

            // The engine keeps what was not consumed and offers it again with the rest.
            long rest = handler.OnReceived(null!, new ReadOnlySequence<byte>(wire, (int)consumed, wire.Length - (int)consumed), output);
            Assert.Equal(wire.Length, consumed + rest);
            Assert.Equal(new[] { "one", "", "three", "four!" }, handler.Frames);
        }
    }

    [Fact]
    public void AnInlineFrameHandlerThatStopsLeavesTheFollowingFramesUnconsumed()
    {
        byte[] wire = Frames("a", "stop", "b");
        var handler = new Collect();
        long consumed = handler.OnReceived(null!, new ReadOnlySequence<byte>(wire), new ArrayBufferWriter<byte>());
        Assert.Equal(Frames("a", "stop").Length, consumed);
        Assert.Equal(new[] { "a", "stop" }, handler.Frames);
    }

    [Fact]
    public void AnIncompleteFrameWithinTheMaximumWaitsAndAnOversizeOneIsALimitError()
    {
        byte[] header = { 0, 0, 0, 60 }; // announces 60 bytes: within the maximum of 64, so the decoder waits for them
        byte[] wire = header.Concat(new byte[100]).ToArray()[..(4 + 59)];
        var handler = new Collect();
        Assert.Equal(0, handler.OnReceived(null!, new ReadOnlySequence<byte>(wire), new ArrayBufferWriter<byte>()));

        byte[] flood = new byte[4 + 64 + 10];
        flood[3] = 200; // 200 > 64: refused from the header
        var error = Assert.Throws<SynackException>(() => handler.OnReceived(null!, new ReadOnlySequence<byte>(flood), new ArrayBufferWriter<byte>()));
        Assert.Equal(ErrorKind.LimitExceeded, error.Kind);
    }
}
