using System.Buffers;
using Synack.Errors;
using Synack.Framing;

namespace Synack.Tests.Framing;

public sealed class LengthFieldRulesTests
{
    private static string Hex(ReadOnlySequence<byte> frame) => Convert.ToHexString(frame.ToArray());

    private static List<string> DecodeAll(LengthFieldOptions options, string hex) =>
        Segments.Whole(new LengthFieldCodec(options), Convert.FromHexString(hex), Hex).Frames;

    private static SynackException DecodeFails(LengthFieldOptions options, string hex) =>
        Assert.Throws<SynackException>(() => DecodeAll(options, hex));

    // Netty's LengthFieldBasedFrameDecoder documentation examples, with a 2-byte length field throughout.
    private const string Hello = "48454C4C4F2C20574F524C44"; // "HELLO, WORLD", 12 bytes

    [Theory]
    [InlineData(0, 0, 0, "000C" + Hello, "000C" + Hello)] // keep the header
    [InlineData(0, 0, 2, "000C" + Hello, Hello)] // strip the header
    [InlineData(0, -2, 0, "000E" + Hello, "000E" + Hello)] // the length counts the header
    [InlineData(2, 0, 0, "CAFE000C" + Hello, "CAFE000C" + Hello)] // a header before the length
    [InlineData(0, 2, 0, "000CCAFE" + Hello, "000CCAFE" + Hello)] // a header after the length
    [InlineData(1, 1, 3, "CA000CFE" + Hello, "FE" + Hello)] // offset, adjustment and strip
    [InlineData(1, -3, 3, "CA0010FE" + Hello, "FE" + Hello)] // the length counts the whole frame
    public void NettyDocumentedLayoutsDecodeAsDocumented(int offset, int adjustment, int strip, string wire, string frame)
    {
        var options = new LengthFieldOptions
        {
            LengthFieldOffset = offset,
            LengthFieldSize = LengthFieldSize.Two,
            LengthAdjustment = adjustment,
            InitialBytesToStrip = strip,
        };

        Assert.Equal(new[] { frame }, DecodeAll(options, wire));
    }

    [Fact]
    public void AnOversizeLengthIsRejectedFromTheHeaderAloneBeforeAnyBodyArrives()
    {
        var error = DecodeFails(new LengthFieldOptions(), "FFFFFFFF");
        Assert.Equal(ErrorKind.LimitExceeded, error.Kind);
        Assert.Contains("4294967295-byte body", error.Message);
        Assert.Contains("1048576", error.Message);
    }

    [Fact]
    public void AFrameJustAtTheMaximumIsAcceptedAndOneByteMoreIsNot()
    {
        var options = new LengthFieldOptions { MaxFrameLength = 14 };
        Assert.Single(DecodeAll(options, "0000000E" + new string('A', 28)));
        Assert.Equal(ErrorKind.LimitExceeded, DecodeFails(options, "0000000F").Kind);
    }

    // Issue 14, problem 4: "max 1 MiB" refused a 1 MiB body because the 4-byte header was counted.
    [Fact]
    public void ABodyOfExactlyTheMaximumIsAcceptedAndOneByteMoreIsRefused()
    {
        var codec = new LengthFieldCodec();
        byte[] body = new byte[FrameLimits.DefaultMaxFrameLength];
        var wire = new ArrayBufferWriter<byte>();
        codec.Encode(body, wire);

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(wire.WrittenMemory));
        Assert.True(codec.TryDecode(ref reader, out ReadOnlySequence<byte> frame));
        Assert.Equal(body.Length, frame.Length);

        Assert.Equal(ErrorKind.LimitExceeded, DecodeFails(new LengthFieldOptions(), "00100001").Kind); // from the header alone
        Assert.Equal(ErrorKind.LimitExceeded,
            Assert.Throws<SynackException>(() => codec.Encode(new byte[body.Length + 1], new ArrayBufferWriter<byte>())).Kind);
        Assert.Equal(4 + body.Length, codec.MaxFrameLength); // what may be buffered: the header and the largest body
    }

    [Fact]
    public void ALengthThatTurnsNegativeAfterAdjustmentIsAProtocolError()
    {
        var error = DecodeFails(new LengthFieldOptions { LengthAdjustment = -4 }, "00000002");
        Assert.Equal(ErrorKind.ProtocolError, error.Kind);
        Assert.Contains("negative", error.Message);
    }

    [Fact]
    public void AnEightByteLengthAboveLongMaxValueIsRejectedAsNegative()
    {
        var options = new LengthFieldOptions { LengthFieldSize = LengthFieldSize.Eight, MaxFrameLength = 1 << 30 };
        Assert.Equal(ErrorKind.ProtocolError, DecodeFails(options, "8000000000000000").Kind);
        Assert.Equal(ErrorKind.LimitExceeded, DecodeFails(options, "7FFFFFFFFFFFFFFF").Kind);
    }

    [Fact]
    public void AVarIntLongerThanTenBytesOrOverflowingSixtyFourBitsIsAProtocolError()
    {
        var options = new LengthFieldOptions { LengthFieldSize = LengthFieldSize.VarInt };
        Assert.Equal(ErrorKind.ProtocolError, DecodeFails(options, "8080808080808080808002").Kind); // 10th byte > 1
        Assert.Equal(ErrorKind.ProtocolError, DecodeFails(options, "808080808080808080808001").Kind); // 11 bytes
        Assert.Equal(ErrorKind.LimitExceeded, DecodeFails(options, "FFFFFFFFFFFFFFFF7F").Kind); // valid but huge
        Assert.Equal(new[] { "2A" }, DecodeAll(options, "012A"));
        Assert.Equal(new[] { new string('B', 600) }, DecodeAll(options, "AC02" + new string('B', 600))); // 300 = AC 02
    }

    [Fact]
    public void AStripLongerThanTheFrameIsAProtocolError()
    {
        var error = DecodeFails(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.One, InitialBytesToStrip = 5 }, "02AAAA");
        Assert.Equal(ErrorKind.ProtocolError, error.Kind);
    }

    [Fact]
    public void TheEncoderRejectsFramesItsFieldCannotCarryWithoutWritingAnything()
    {
        var codec = new LengthFieldCodec(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.One });
        var output = new ArrayBufferWriter<byte>();

        var error = Assert.Throws<SynackException>(() => codec.Encode(new byte[256], output));

        Assert.Equal(ErrorKind.LimitExceeded, error.Kind);
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void TheEncoderRefusesLayoutsItCannotProduce()
    {
        var codec = new LengthFieldCodec(new LengthFieldOptions { LengthFieldOffset = 2 });
        Assert.Throws<InvalidOperationException>(() => codec.Encode(new byte[1], new ArrayBufferWriter<byte>()));
    }

    [Fact]
    public void OptionSettersRejectOutOfRangeValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LengthFieldOptions { MaxFrameLength = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new LengthFieldOptions { LengthFieldOffset = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new LengthFieldOptions { InitialBytesToStrip = -1 });
    }
}
