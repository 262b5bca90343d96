using System.Buffers;
using System.Text;
using Synack.Errors;
using Synack.Framing;

namespace Synack.Tests.Framing;

public sealed class LineAndDelimiterRulesTests
{
    private static List<string> Lines(LineCodec codec, string wire) =>
        Segments.Whole(codec, Encoding.ASCII.GetBytes(wire), f => Encoding.ASCII.GetString(f.ToArray())).Frames;

    [Fact]
    public void LfModeAcceptsBothLfAndCrLfAndStripsTheTerminator()
    {
        Assert.Equal(new[] { "a", "b", "", "c\rd" }, Lines(new LineCodec(LineEnding.Lf), "a\nb\r\n\nc\rd\n"));
    }

    [Fact]
    public void CrLfModeSplitsOnlyOnCrLfAndKeepsABareLfInsideTheLine()
    {
        Assert.Equal(new[] { "a\nb", "c" }, Lines(new LineCodec(LineEnding.CrLf), "a\nb\r\nc\r\n"));
    }

    [Fact]
    public void ALineWithoutTerminatorFailsAsSoonAsMoreThanTheMaximumIsBuffered()
    {
        var codec = new LineCodec(LineEnding.Lf, maxLineLength: 10);
        Assert.Empty(Lines(codec, new string('x', 11))); // 10 bytes + maybe a CR: still waiting

        var error = Assert.Throws<SynackException>(() => Lines(codec, new string('x', 12)));
        Assert.Equal(ErrorKind.LimitExceeded, error.Kind);
    }

    [Fact]
    public void ALineExactlyAtTheMaximumIsAcceptedAndOneLongerIsNot()
    {
        var codec = new LineCodec(LineEnding.Lf, maxLineLength: 10);
        Assert.Equal(new[] { new string('x', 10) }, Lines(codec, new string('x', 10) + "\r\n"));
        Assert.Equal(ErrorKind.LimitExceeded, Assert.Throws<SynackException>(() => Lines(codec, new string('x', 11) + "\n")).Kind);
    }

    [Fact]
    public void TheLineEncoderRejectsLinesThatWouldNotRoundTrip()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => new LineCodec(LineEnding.Lf).Encode("a\nb"u8.ToArray(), output));
        Assert.Throws<ArgumentException>(() => new LineCodec(LineEnding.Lf).Encode("ends in CR\r"u8.ToArray(), output));
        Assert.Throws<ArgumentException>(() => new LineCodec(LineEnding.CrLf).Encode("a\r\nb"u8.ToArray(), output));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void ADelimiterSplitAcrossSegmentsIsStillFound()
    {
        var codec = new DelimiterCodec("<END>"u8.ToArray(), maxFrameLength: 100);
        byte[] wire = "one<END>two<END>"u8.ToArray();
        foreach (List<byte[]> chunks in Segments.EverySplitPoint(wire).Append(Segments.OneByteAtATime(wire)))
        {
            Assert.Equal(new[] { "one", "two" }, Segments.Stream(codec, chunks, f => Encoding.ASCII.GetString(f.ToArray())).Frames);
        }
    }

    [Fact]
    public void DelimiterFramingRejectsAFrameLongerThanTheMaximum()
    {
        var codec = new DelimiterCodec(new byte[] { 0 }, maxFrameLength: 4);
        Assert.Equal(ErrorKind.LimitExceeded, Assert.Throws<SynackException>(() =>
            Segments.Whole(codec, new byte[] { 1, 2, 3, 4, 5 }, f => f.Length)).Kind);
        Assert.Equal(ErrorKind.LimitExceeded, Assert.Throws<SynackException>(() =>
            Segments.Whole(codec, new byte[] { 1, 2, 3, 4, 5, 0 }, f => f.Length)).Kind);
        Assert.Equal(new[] { 4L }, Segments.Whole(codec, new byte[] { 1, 2, 3, 4, 0 }, f => f.Length).Frames);
    }

    [Fact]
    public void FixedLengthEncoderRejectsAFrameOfTheWrongLength()
    {
        Assert.Throws<ArgumentException>(() => new FixedLengthCodec(4).Encode(new byte[3], new ArrayBufferWriter<byte>()));
    }
}
