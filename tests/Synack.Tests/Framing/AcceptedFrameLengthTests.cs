using System.Buffers;
using System.Text;
using Synack.Framing;

namespace Synack.Tests.Framing;

/// <summary>
/// What a decoder reports through <see cref="IFrameLengthDecoder{T}"/> while a frame is incomplete (issue 14, problem 2):
/// nothing (0) until its header is complete and accepted, then the whole frame's length, so the engine may buffer that
/// frame and no more.
/// </summary>
public sealed class AcceptedFrameLengthTests
{
    private static (bool Done, long Length) Decode<T>(IFrameLengthDecoder<T> decoder, byte[] bytes)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        bool done = decoder.TryDecode(ref reader, out _, out long length);
        return (done, length);
    }

    [Fact]
    public void ALengthHeaderIsUnjudgedUntilReadableThenReportsItsHeaderAndBody()
    {
        var codec = new LengthFieldCodec();
        Assert.Equal((false, 0L), Decode(codec, [0x00, 0x00, 0x01]));
        Assert.Equal((false, 4L + 256), Decode(codec, [0x00, 0x00, 0x01, 0x00, 0xAA]));
        Assert.Equal((true, 0L), Decode(codec, [0x00, 0x00, 0x00, 0x01, 0xAA]));
    }

    [Fact]
    public void ALengthHeaderOverTheMaximumIsRefusedInsteadOfReported()
    {
        var codec = new LengthFieldCodec();
        Assert.Throws<Synack.Errors.SynackException>(() => Decode(codec, [0xFF, 0xFF, 0xFF, 0xFF]));
    }

    [Fact]
    public void AFixedLengthFrameIsKnownBeforeItsFirstByte()
    {
        var codec = new FixedLengthCodec(100);
        Assert.Equal((false, 100L), Decode(codec, []));
        Assert.Equal((false, 100L), Decode(codec, new byte[99]));
        Assert.Equal((true, 0L), Decode(codec, new byte[100]));
    }

    [Fact]
    public void AnHttpLikeHeadIsUnjudgedUntilCompleteThenItsContentLengthCounts()
    {
        var codec = new HttpLikeCodec();
        string head = "POST /x HTTP/1.1\r\nContent-Length: 50\r\n\r\n";
        Assert.Equal((false, 0L), Decode(codec, Encoding.ASCII.GetBytes(head[..20])));
        Assert.Equal((false, head.Length + 50L), Decode(codec, Encoding.ASCII.GetBytes(head + "abc")));
        Assert.Equal((false, 0L), Decode(codec, Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: a\r\n")));
    }

    [Fact]
    public void AChunkedBodyGrowsItsKnownLengthAsEachChunkHeaderIsAccepted()
    {
        var codec = new HttpLikeCodec();
        string head = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        Assert.Equal((false, 0L), Decode(codec, Encoding.ASCII.GetBytes(head)));

        // "10\r\n" announces 16 bytes: head, the chunk line, 16 bytes and CRLF, then at least the last chunk "0\r\n\r\n".
        Assert.Equal((false, head.Length + 4L + 16 + 2 + 5), Decode(codec, Encoding.ASCII.GetBytes(head + "10\r\nabc")));
        string first = "10\r\n" + new string('a', 16) + "\r\n";
        Assert.Equal((false, head.Length + first.Length + 4L + 32 + 2 + 5),
            Decode(codec, Encoding.ASCII.GetBytes(head + first + "20\r\n")));
    }

    [Fact]
    public void LineAndDelimiterCodecsNeverAcceptAHeader()
    {
        Assert.IsNotAssignableFrom<IFrameLengthDecoder<ReadOnlySequence<byte>>>(new LineCodec());
        Assert.IsNotAssignableFrom<IFrameLengthDecoder<ReadOnlySequence<byte>>>(new DelimiterCodec(new byte[] { (byte)';' }));
    }
}
