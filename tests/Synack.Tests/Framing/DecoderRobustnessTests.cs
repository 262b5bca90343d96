using CsCheck;
using Synack.Errors;

namespace Synack.Tests.Framing;

/// <summary>
/// Fuzz-style properties over arbitrary bytes, where the generated input also chooses the segmentation: every decoder
/// either yields frames, waits for more, or fails with a <see cref="SynackException"/> of a peer-misbehaviour kind — never
/// another exception, never a hang — and reaches the same outcome however the bytes were split.
/// </summary>
public sealed class DecoderRobustnessTests
{
    public static TheoryData<string> Decoders => new(DecoderFuzzing.Targets);

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
        Gen.Select(Input, Gen.Int[1, 40].Array[0, 60]).Sample((bytes, cuts) =>
        {
            var whole = DecoderFuzzing.Decode(name, [bytes]);
            var cut = DecoderFuzzing.Decode(name, Segments.Cut(bytes, cuts));
            var single = DecoderFuzzing.Decode(name, Segments.OneByteAtATime(bytes));

            Assert.True(whole.Error is null or ErrorKind.ProtocolError or ErrorKind.LimitExceeded, $"unexpected kind {whole.Error}");
            Assert.Equal(whole.Frames, cut.Frames);
            Assert.Equal(whole.Error, cut.Error);
            Assert.Equal(whole.Frames, single.Frames);
            Assert.Equal(whole.Error, single.Error);
        }, iter: 2000);
    }
}
