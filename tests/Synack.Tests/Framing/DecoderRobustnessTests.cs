using System.Buffers;
using CsCheck;
using Synack.Errors;
using Synack.Framing;

namespace Synack.Tests.Framing;

/// <summary>
/// Fuzz-style properties over arbitrary bytes, where the generated input also chooses the segmentation: every decoder
/// either yields frames, waits for more, or fails with a <see cref="SynackException"/> of a peer-misbehaviour kind — never
/// another exception, never a hang — and reaches the same outcome however the bytes were split.
/// </summary>
public sealed class DecoderRobustnessTests
{
    public static TheoryData<string> Decoders => new() { "fixed", "length-4", "length-varint", "length-adjusted", "delimiter", "line", "http" };

    private static Func<IReadOnlyList<byte[]>, (List<string> Frames, ErrorKind? Error)> Decoder(string name)
    {
        static Func<IReadOnlyList<byte[]>, (List<string>, ErrorKind?)> Run<T>(IFrameDecoder<T> decoder, Func<T, string> show) => chunks =>
        {
            var frames = new List<string>();
            try
            {
                // Count frames as Stream decodes them, so frames before an error are kept.
                var (decoded, _) = Segments.Stream(decoder, chunks, f =>
                {
                    string shown = show(f);
                    frames.Add(shown);
                    return shown;
                });
                return (decoded, null);
            }
            catch (SynackException e)
            {
                return (frames, e.Kind);
            }
        };

        static string Hex(ReadOnlySequence<byte> frame) => Convert.ToHexString(frame.ToArray());
        return name switch
        {
            "fixed" => Run(new FixedLengthCodec(7), Hex),
            "length-4" => Run(new LengthFieldCodec(new LengthFieldOptions { MaxFrameLength = 64 }), Hex),
            "length-varint" => Run(new LengthFieldCodec(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.VarInt, MaxFrameLength = 64 }), Hex),
            "length-adjusted" => Run(new LengthFieldCodec(new LengthFieldOptions { LengthFieldOffset = 2, LengthFieldSize = LengthFieldSize.Two, LengthAdjustment = -3, MaxFrameLength = 64 }), Hex),
            "delimiter" => Run(new DelimiterCodec(";;"u8.ToArray(), maxFrameLength: 64), Hex),
            "line" => Run(new LineCodec(LineEnding.CrLf, 64), Hex),
            _ => Run(new HttpLikeCodec(new HttpLikeOptions { MaxHeadLength = 256, MaxBodyLength = 256 }),
                m => $"{m.StartLine}|{string.Join(";", m.Headers.Select(h => h.Key + "=" + h.Value))}|{Convert.ToHexString(m.Body.Span)}"),
        };
    }

    /// <summary>Random bytes biased towards the characters framing cares about, so the decoders' branches are reached.</summary>
    private static readonly Gen<byte[]> Input = Gen.Frequency(
        (3, Gen.Byte),
        (2, Gen.Int[0, 7].Select(i => "\r\n;: 05a"u8[i])),
        (1, Gen.Int[0, 2].Select(i => new byte[] { 0, 0x80, 0xFF }[i])))
        .Array[0, 400];

    [Theory]
    [MemberData(nameof(Decoders))]
    public void ArbitraryBytesInAnySegmentationGiveTheSameFramesOrTheSamePeerMisbehaviourError(string name)
    {
        var decode = Decoder(name);
        Gen.Select(Input, Gen.Int[1, 40].Array[0, 60]).Sample((bytes, cuts) =>
        {
            var whole = decode([bytes]);
            var cut = decode(Segments.Cut(bytes, cuts));
            var single = decode(bytes.Select(b => new[] { b }).ToList());

            Assert.True(whole.Error is null or ErrorKind.ProtocolError or ErrorKind.LimitExceeded, $"unexpected kind {whole.Error}");
            Assert.Equal(whole.Frames, cut.Frames);
            Assert.Equal(whole.Error, cut.Error);
            Assert.Equal(whole.Frames, single.Frames);
            Assert.Equal(whole.Error, single.Error);
        }, iter: 2000);
    }
}
