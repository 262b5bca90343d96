using System.Buffers;
using System.Text;
using CsCheck;
using Synack.Framing;

namespace Synack.Tests.Framing;

/// <summary>
/// The framing contract, for every built-in codec: Decode(Encode(x)) == x, and the same frames come out however the
/// bytes are split — at every split point, one byte at a time, and in random chunkings.
/// </summary>
public sealed class CodecRoundTripTests
{
    private static string Hex(ReadOnlySequence<byte> frame) => Convert.ToHexString(frame.ToArray());

    public static TheoryData<string> ByteCodecs => new()
    {
        "fixed-5", "length-1", "length-2-be", "length-2-le", "length-4-be", "length-4-le", "length-8-be", "length-8-le",
        "length-varint", "length-4-adjust-minus-4", "delimiter-1", "delimiter-3", "line-lf", "line-crlf",
    };

    private static (IFrameDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>>, Gen<byte[]>) Make(string name)
    {
        Gen<byte[]> any = Gen.Byte.Array[0, 300];
        Gen<byte[]> noLf = Gen.Byte.Where(b => b != '\n' && b != '\r').Array[0, 200];
        LengthFieldCodec Length(LengthFieldSize size, ByteOrder order = ByteOrder.BigEndian, int adjust = 0) =>
            new(new LengthFieldOptions { LengthFieldSize = size, ByteOrder = order, LengthAdjustment = adjust });
        (IFrameDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>>, Gen<byte[]>) Pair<TCodec>(TCodec codec, Gen<byte[]> gen)
            where TCodec : IFrameDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>> => (codec, codec, gen);

        return name switch
        {
            "fixed-5" => Pair(new FixedLengthCodec(5), Gen.Byte.Array[5]),
            "length-1" => Pair(Length(LengthFieldSize.One), Gen.Byte.Array[0, 255]),
            "length-2-be" => Pair(Length(LengthFieldSize.Two), any),
            "length-2-le" => Pair(Length(LengthFieldSize.Two, ByteOrder.LittleEndian), any),
            "length-4-be" => Pair(Length(LengthFieldSize.Four), any),
            "length-4-le" => Pair(Length(LengthFieldSize.Four, ByteOrder.LittleEndian), any),
            "length-8-be" => Pair(Length(LengthFieldSize.Eight), any),
            "length-8-le" => Pair(Length(LengthFieldSize.Eight, ByteOrder.LittleEndian), any),
            "length-varint" => Pair(Length(LengthFieldSize.VarInt), Gen.Byte.Array[0, 400]),
            "length-4-adjust-minus-4" => Pair(Length(LengthFieldSize.Four, adjust: -4), Gen.Byte.Array[4, 300]),
            "delimiter-1" => Pair(new DelimiterCodec(new byte[] { 0 }), Gen.Byte.Where(b => b != 0).Array[0, 200]),
            "delimiter-3" => Pair(new DelimiterCodec("END"u8.ToArray()), Gen.Byte.Where(b => b != 'E').Array[0, 200]),
            "line-lf" => Pair(new LineCodec(LineEnding.Lf), noLf),
            _ => Pair(new LineCodec(LineEnding.CrLf), noLf),
        };
    }

    [Theory]
    [MemberData(nameof(ByteCodecs))]
    public void DecodeOfEncodeGivesBackTheSameFramesInOrder(string codec)
    {
        var (decoder, encoder, frame) = Make(codec);
        frame.List[0, 12].Sample(frames =>
        {
            byte[] wire = Segments.Encode(encoder, frames.Select(f => (ReadOnlyMemory<byte>)f));
            var (decoded, leftover) = Segments.Whole(decoder, wire, Hex);
            Assert.Equal(frames.Select(f => Convert.ToHexString(f)), decoded);
            Assert.Equal(0, leftover);
        }, iter: 200);
    }

    [Theory]
    [MemberData(nameof(ByteCodecs))]
    public void DecoderYieldsSameFramesForEverySplitPointAndOneByteReads(string codec)
    {
        var (decoder, encoder, frame) = Make(codec);
        frame.List[1, 5].Sample(frames =>
        {
            byte[] wire = Segments.Encode(encoder, frames.Select(f => (ReadOnlyMemory<byte>)f));
            var expected = Segments.Whole(decoder, wire, Hex);
            foreach (List<byte[]> chunks in Segments.EverySplitPoint(wire).Append(Segments.OneByteAtATime(wire)))
            {
                AssertSameFrames(expected, Segments.Stream(decoder, chunks, Hex));
            }
        }, iter: 20);
    }

    [Theory]
    [MemberData(nameof(ByteCodecs))]
    public void DecoderYieldsSameFramesForRandomSegmentations(string codec)
    {
        var (decoder, encoder, frame) = Make(codec);
        Gen.Select(frame.List[1, 10], Gen.Int[1, 40].Array[1, 60]).Sample((frames, sizes) =>
        {
            byte[] wire = Segments.Encode(encoder, frames.Select(f => (ReadOnlyMemory<byte>)f));
            AssertSameFrames(Segments.Whole(decoder, wire, Hex), Segments.Stream(decoder, Segments.Cut(wire, sizes), Hex));
        }, iter: 200);
    }

    private static void AssertSameFrames<T>((List<T> Frames, long Leftover) expected, (List<T> Frames, long Leftover) actual)
    {
        Assert.Equal(expected.Frames, actual.Frames);
        Assert.Equal(expected.Leftover, actual.Leftover);
    }

    private static readonly Gen<string> Token = Gen.Char["abcdefghijklmnopqrstuvwxyz-0123456789"].Array[1, 12].Select(c => new string(c));
    private static readonly Gen<string> FieldValue = Gen.Char["abc XYZ;=/,.0123456789"].Array[0, 20].Select(c => new string(c).Trim());

    private static readonly Gen<HttpLikeMessage> Message =
        Gen.Select(Token, Gen.Select(Token, FieldValue).List[0, 6], Gen.Byte.Array[0, 200], Gen.Bool)
            .Where(t => t.Item2.All(h => h.Item1 != "content-length" && h.Item1 != "transfer-encoding"))
            .Select(t => new HttpLikeMessage("POST /" + t.Item1 + " HTTP/1.1",
                t.Item2.Select(h => new KeyValuePair<string, string>(h.Item1, h.Item2)).ToList(), t.Item3, t.Item4));

    /// <summary>A message as comparable text: start line, non-framing headers, body, chunked flag.</summary>
    private static string Describe(HttpLikeMessage m) =>
        m.StartLine + "|" + string.Join(";", m.Headers
            .Where(h => !h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            .Select(h => h.Key + "=" + h.Value)) + "|" + Convert.ToHexString(m.Body.Span) + "|" + m.Chunked;

    [Fact]
    public void HttpLikeDecodeOfEncodeGivesBackTheSameMessagesForEverySegmentation()
    {
        var codec = new HttpLikeCodec();
        Gen.Select(Message.List[1, 4], Gen.Int[1, 30].Array[1, 40]).Sample((messages, sizes) =>
        {
            byte[] wire = Segments.Encode(codec, messages);
            var whole = Segments.Whole(codec, wire, Describe);
            Assert.Equal(messages.Select(Describe), whole.Frames);
            Assert.Equal(0, whole.Leftover);
            AssertSameFrames(whole, Segments.Stream(codec, Segments.Cut(wire, sizes), Describe));
            AssertSameFrames(whole, Segments.Stream(codec, Segments.OneByteAtATime(wire), Describe));
        }, iter: 100);
    }

    [Fact]
    public void HttpLikeDecoderYieldsSameMessagesForEverySplitPoint()
    {
        var codec = new HttpLikeCodec();
        byte[] wire = Encoding.ASCII.GetBytes(
            "PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" +
            "PUT /y HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2;name=v\r\nde\r\n1\r\nf\r\n0\r\nExpires: never\r\n\r\n");
        var expected = Segments.Whole(codec, wire, Describe);
        Assert.Equal(2, expected.Frames.Count);

        foreach (List<byte[]> chunks in Segments.EverySplitPoint(wire))
        {
            AssertSameFrames(expected, Segments.Stream(codec, chunks, Describe));
        }
    }
}
