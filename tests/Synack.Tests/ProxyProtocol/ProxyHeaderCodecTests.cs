using System.Buffers;
using System.Net;
using Synack.Errors;
using Synack.ProxyProtocol;

namespace Synack.Tests.ProxyProtocol;

public sealed class ProxyHeaderCodecTests
{
    private static readonly ProxyHeaderCodec Codec = new();

    public static TheoryData<int, string?, string?> Headers => new()
    {
        { 1, "192.0.2.1:56324", "198.51.100.1:443" },
        { 1, "[2001:db8::1]:56324", "[2001:db8::2]:443" },
        { 1, null, null },
        { 2, "192.0.2.1:56324", "198.51.100.1:443" },
        { 2, "[2001:db8::1]:1", "[2001:db8::2]:65535" },
        { 2, null, null },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void EveryHeaderDecodesToWhatWasEncodedAtEverySplitPointWithTheDataAfterItUntouched(int version, string? source, string? destination)
    {
        var header = new ProxyHeader(version, source is null ? null : IPEndPoint.Parse(source), destination is null ? null : IPEndPoint.Parse(destination));
        byte[] wire = [.. Segments.Encode(Codec, [header]), .. "GET /\r\n"u8.ToArray()];

        foreach (List<byte[]> chunks in Segments.EverySplitPoint(wire).Append(Segments.OneByteAtATime(wire)))
        {
            var (decoded, leftover) = DecodeFirst(chunks);
            Assert.Equal(header, decoded);
            Assert.Equal(7, leftover);
        }
    }

    /// <summary>Feeds chunks until the one header decodes (a PROXY header is only ever the first frame); returns the bytes after it.</summary>
    private static (ProxyHeader? Header, long Leftover) DecodeFirst(List<byte[]> chunks)
    {
        for (int arrived = 1; arrived <= chunks.Count; arrived++)
        {
            var reader = new SequenceReader<byte>(Segments.Sequence(chunks.Take(arrived).ToList()));
            if (Codec.TryDecode(ref reader, out ProxyHeader header))
            {
                return (header, reader.Remaining + chunks.Skip(arrived).Sum(c => c.Length));
            }
        }

        return (null, -1);
    }

    [Fact]
    public void TheV1TextIsExactlyWhatHaproxySends()
    {
        var header = new ProxyHeader(1, IPEndPoint.Parse("192.0.2.1:56324"), IPEndPoint.Parse("198.51.100.1:443"));
        Assert.Equal("PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n"u8.ToArray(), Segments.Encode(Codec, [header]));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.1 56324\r\n")]
    [InlineData("PROXY TCP4 2001:db8::1 198.51.100.1 1 2\r\n")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.1 99999 443\r\n")]
    [InlineData("PROXY UDP4 192.0.2.1 198.51.100.1 1 2\r\n")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.1 056324 443\r\n")]
    [InlineData("PROXY TCP4 192.000.2.1 198.51.100.1 56324 443\r\n")]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.1 +1 443\r\n")]
    public void MalformedHeadersAreProtocolErrors(string text)
    {
        var error = Assert.Throws<SynackException>(() => DecodeFirst([System.Text.Encoding.ASCII.GetBytes(text)]));
        Assert.Equal(ErrorKind.ProtocolError, error.Kind);
    }

    [Fact]
    public void AV1HeaderWithoutItsLineEndFailsOnceItPasses107Bytes()
    {
        byte[] endless = System.Text.Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 120));
        Assert.Equal(ErrorKind.ProtocolError, Assert.Throws<SynackException>(() => DecodeFirst([endless])).Kind);
        Assert.Null(DecodeFirst([endless[..100]]).Header); // shorter: still waiting
    }

    [Fact]
    public void AnOversizeV2LengthIsRejectedFromTheFixedHeader()
    {
        byte[] header = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0xFF, 0xFF];
        Assert.Equal(ErrorKind.LimitExceeded, Assert.Throws<SynackException>(() => DecodeFirst([header])).Kind);
    }

    /// <summary>A v2 PROXY header for 192.0.2.1:56324 -> 198.51.100.1:443 with the given TLV bytes after the addresses.</summary>
    private static byte[] V2WithTlvs(byte family, byte[] tlvs, int addressLength = 12)
    {
        var header = new List<byte> { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, family };
        int length = addressLength + tlvs.Length;
        header.AddRange([(byte)(length >> 8), (byte)length]);
        byte[] addresses = new byte[addressLength];
        if (family == 0x11)
        {
            addresses = [192, 0, 2, 1, 198, 51, 100, 1, 0xDC, 0x04, 0x01, 0xBB];
        }

        header.AddRange(addresses);
        header.AddRange(tlvs);
        return header.ToArray();
    }

    private static byte[] Tlv(byte type, byte[] value) => [type, (byte)(value.Length >> 8), (byte)value.Length, .. value];

    [Fact]
    public void Crc32cMatchesTheCastagnoliCheckValue()
    {
        Assert.Equal(0xE3069283u, ProxyTlvs.Crc32c("123456789"u8)); // RFC 3720 / the CRC catalogue's check value
    }

    [Fact]
    public void AV2HeaderCarriesItsTlvsAndAMatchingCrc32cIsAccepted()
    {
        byte[] header = V2WithTlvs(0x11, [.. Tlv(0x02, "example.com"u8.ToArray()), .. Tlv(0x05, [1, 2, 3]), .. Tlv(0x03, new byte[4])]);
        uint crc = ProxyTlvs.Crc32c(header); // the checksum field is still zero here, as the spec computes it
        header[^4] = (byte)(crc >> 24);
        header[^3] = (byte)(crc >> 16);
        header[^2] = (byte)(crc >> 8);
        header[^1] = (byte)crc;

        ProxyHeader decoded = DecodeFirst([header]).Header!;

        Assert.Equal(IPEndPoint.Parse("192.0.2.1:56324"), decoded.Source);
        Assert.Equal("example.com", decoded.Authority);
        Assert.Equal([0x02, 0x05, 0x03], decoded.Tlvs.Select(t => t.Type));
        Assert.Equal(new byte[] { 1, 2, 3 }, decoded.Tlvs[1].Value.ToArray());
    }

    [Fact]
    public void AHeaderAlteredAfterItsCrc32cWasComputedIsAProtocolError()
    {
        byte[] header = V2WithTlvs(0x11, Tlv(0x03, new byte[4]));
        uint crc = ProxyTlvs.Crc32c(header);
        header[^4] = (byte)(crc >> 24);
        header[^3] = (byte)(crc >> 16);
        header[^2] = (byte)(crc >> 8);
        header[^1] = (byte)crc;
        header[16] = 10; // the source address, changed in transit

        var error = Assert.Throws<SynackException>(() => DecodeFirst([header]));
        Assert.Equal(ErrorKind.ProtocolError, error.Kind);
        Assert.Contains("CRC32c mismatch", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x05, 0x00, 0x09, 1, 2, 3 })]   // claims 9 value bytes, 3 remain
    [InlineData(new byte[] { 0x05, 0x00 })]                  // a TLV header cut short
    [InlineData(new byte[] { 0x03, 0x00, 0x02, 0, 0 })]      // a CRC32c that is not 4 bytes
    public void ATlvThatDoesNotFitTheHeaderIsAProtocolError(byte[] tlvs)
    {
        Assert.Equal(ErrorKind.ProtocolError, Assert.Throws<SynackException>(() => DecodeFirst([V2WithTlvs(0x11, tlvs)])).Kind);
    }

    [Fact]
    public void AUnixSocketClientKeepsTheConnectionsOwnAddressesAndAShortAddressBlockIsRejected()
    {
        Assert.True(DecodeFirst([V2WithTlvs(0x31, [], addressLength: 216)]).Header!.IsLocal);
        Assert.Equal(ErrorKind.ProtocolError, Assert.Throws<SynackException>(() => DecodeFirst([V2WithTlvs(0x11, [], addressLength: 8)])).Kind);
    }
}
