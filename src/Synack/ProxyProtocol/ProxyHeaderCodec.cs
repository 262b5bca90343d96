using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Synack.Errors;
using Synack.Framing;

namespace Synack.ProxyProtocol;

/// <summary>
/// Decodes and encodes PROXY protocol headers, v1 and v2, as one tiny pure codec (proxy-protocol.txt).
/// </summary>
/// <remarks>
/// <code>
///  v1: "PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n"        text, at most 107 bytes; TCP4 | TCP6 | UNKNOWN
///  v2: 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A   signature (12 bytes)
///      2C                                     version 2 (high nibble), command LOCAL 0 | PROXY 1 (low nibble)
///      11                                     family INET 1 | INET6 2 | UNSPEC 0 (high), STREAM 1 (low)
///      00 0C                                  length of what follows (big endian)
///      src addr | dst addr | src port | dst port, then TLVs (skipped)
/// </code>
/// The version is recognised from the first bytes; anything else is a <see cref="ErrorKind.ProtocolError"/> as soon as
/// the first 12 bytes disagree with both signatures. A v2 header longer than <see cref="MaxFrameLength"/> is a
/// <see cref="ErrorKind.LimitExceeded"/> from its length field alone.
/// </remarks>
public sealed class ProxyHeaderCodec : IFrameDecoder<ProxyHeader>, IFrameEncoder<ProxyHeader>
{
    private const int V1MaxLength = 107;
    private const int V2HeaderLength = 16;
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
    private static readonly byte[] V1Prefix = "PROXY "u8.ToArray();

    /// <summary>Creates a codec. <paramref name="maxLength"/>: the longest v2 header accepted (TLVs included), 16 B – 64 KiB; default 1 KiB.</summary>
    public ProxyHeaderCodec(int maxLength = 1024) => MaxFrameLength = Check.Range(maxLength, V1MaxLength, V2HeaderLength + ushort.MaxValue);

    /// <inheritdoc/>
    public long MaxFrameLength { get; }

    /// <inheritdoc/>
    public bool TryDecode(ref SequenceReader<byte> input, out ProxyHeader frame)
    {
        frame = null!;
        Span<byte> start = stackalloc byte[V2Signature.Length];
        int have = (int)Math.Min(input.Remaining, start.Length);
        input.TryCopyTo(start[..have]);
        bool maybeV1 = start[..Math.Min(have, V1Prefix.Length)].SequenceEqual(V1Prefix.AsSpan(0, Math.Min(have, V1Prefix.Length)));
        bool maybeV2 = start[..have].SequenceEqual(V2Signature.AsSpan(0, have));
        if (!maybeV1 && !maybeV2)
        {
            throw SynackException.Protocol("the connection did not start with a PROXY protocol header");
        }

        return maybeV2 ? TryDecodeV2(ref input, out frame) : TryDecodeV1(ref input, out frame);
    }

    /// <summary>Encodes a v2 header (or v1 when <see cref="ProxyHeader.Version"/> is 1).</summary>
    public void Encode(in ProxyHeader frame, IBufferWriter<byte> output)
    {
        if (frame.Version == 1)
        {
            string line = frame.Source is { } s && frame.Destination is { } d
                ? $"PROXY {(s.AddressFamily == AddressFamily.InterNetworkV6 ? "TCP6" : "TCP4")} {s.Address} {d.Address} {s.Port} {d.Port}\r\n"
                : "PROXY UNKNOWN\r\n";
            output.Write(Encoding.ASCII.GetBytes(line));
            return;
        }

        bool six = frame.Source?.AddressFamily == AddressFamily.InterNetworkV6;
        int addressLength = frame.Source is null ? 0 : six ? 36 : 12;
        Span<byte> header = output.GetSpan(V2HeaderLength + addressLength);
        V2Signature.CopyTo(header);
        header[12] = (byte)(frame.Source is null ? 0x20 : 0x21);
        header[13] = (byte)(frame.Source is null ? 0x00 : six ? 0x21 : 0x11);
        BinaryPrimitives.WriteUInt16BigEndian(header[14..], (ushort)addressLength);
        if (frame.Source is { } source && frame.Destination is { } destination)
        {
            int size = six ? 16 : 4;
            source.Address.TryWriteBytes(header[16..], out _);
            destination.Address.TryWriteBytes(header[(16 + size)..], out _);
            BinaryPrimitives.WriteUInt16BigEndian(header[(16 + (2 * size))..], (ushort)source.Port);
            BinaryPrimitives.WriteUInt16BigEndian(header[(18 + (2 * size))..], (ushort)destination.Port);
        }

        output.Advance(V2HeaderLength + addressLength);
    }

    private bool TryDecodeV2(ref SequenceReader<byte> input, out ProxyHeader frame)
    {
        frame = null!;
        if (input.Remaining < V2HeaderLength)
        {
            return false;
        }

        Span<byte> fixedPart = stackalloc byte[V2HeaderLength];
        input.TryCopyTo(fixedPart);
        int length = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[14..]);
        if (V2HeaderLength + length > MaxFrameLength)
        {
            throw SynackException.Limit($"PROXY v2 header of {V2HeaderLength + length} bytes; the maximum is {MaxFrameLength}");
        }

        if ((fixedPart[12] >> 4) != 2)
        {
            throw SynackException.Protocol($"PROXY v2 header with version {fixedPart[12] >> 4}");
        }

        if (input.Remaining < V2HeaderLength + length)
        {
            return false;
        }

        byte[] whole = input.Sequence.Slice(input.Position, V2HeaderLength + length).ToArray();
        input.Advance(V2HeaderLength + length);
        int command = fixedPart[12] & 0x0F;
        int family = fixedPart[13] >> 4;
        if (command > 1)
        {
            throw SynackException.Protocol($"PROXY v2 header with unknown command {command}");
        }

        // Address block sizes per family (spec 2.2): UNSPEC 0, INET 12, INET6 36, UNIX 216.
        int addressLength = family switch
        {
            0 => 0,
            1 => 12,
            2 => 36,
            3 => 216,
            _ => throw SynackException.Protocol($"PROXY v2 address family {family} is unknown"),
        };
        if (length < addressLength)
        {
            throw SynackException.Protocol($"PROXY v2 address block of {length} bytes is too short for family {family}");
        }

        IReadOnlyList<ProxyTlv> tlvs = ProxyTlvs.Parse(whole, V2HeaderLength + addressLength);
        if (command == 0 || family is 0 or 3)
        {
            // LOCAL (a health check from the proxy itself), UNSPEC, or a Unix-socket client: keep the connection's own
            // addresses, as the spec asks of a receiver that cannot use the ones given.
            frame = new ProxyHeader(2, null, null) { Tlvs = tlvs };
            return true;
        }

        int size = family == 1 ? 4 : 16;
        ReadOnlySpan<byte> body = whole.AsSpan(V2HeaderLength);
        frame = new ProxyHeader(
            2,
            new IPEndPoint(new IPAddress(body[..size]), BinaryPrimitives.ReadUInt16BigEndian(body[(2 * size)..])),
            new IPEndPoint(new IPAddress(body.Slice(size, size)), BinaryPrimitives.ReadUInt16BigEndian(body[((2 * size) + 2)..])))
        {
            Tlvs = tlvs,
        };
        return true;
    }

    private static bool TryDecodeV1(ref SequenceReader<byte> input, out ProxyHeader frame)
    {
        frame = null!;
        if (!input.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8, advancePastDelimiter: true))
        {
            if (input.Remaining > V1MaxLength)
            {
                throw SynackException.Protocol($"PROXY v1 header longer than {V1MaxLength} bytes");
            }

            return false;
        }

        if (line.Length + 2 > V1MaxLength)
        {
            throw SynackException.Protocol($"PROXY v1 header longer than {V1MaxLength} bytes");
        }

        string[] parts = Encoding.ASCII.GetString(line).Split(' ');
        if (parts.Length >= 2 && parts[0] == "PROXY" && parts[1] == "UNKNOWN")
        {
            frame = new ProxyHeader(1, null, null);
            return true;
        }

        if (parts.Length != 6 || parts[0] != "PROXY" || parts[1] is not ("TCP4" or "TCP6")
            || !TryParseAddress(parts[2], out IPAddress? source) || !TryParseAddress(parts[3], out IPAddress? destination)
            || !TryParsePort(parts[4], out ushort sourcePort) || !TryParsePort(parts[5], out ushort destinationPort)
            || (source.AddressFamily == AddressFamily.InterNetworkV6) != (parts[1] == "TCP6")
            || source.AddressFamily != destination.AddressFamily)
        {
            throw SynackException.Protocol("malformed PROXY v1 header");
        }

        frame = new ProxyHeader(1, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return true;
    }

    /// <summary>A port as the spec writes it: decimal, no sign, no leading zeros.</summary>
    private static bool TryParsePort(string text, out ushort port) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && (text.Length == 1 || text[0] != '0');

    /// <summary>An address in canonical form only: no leading zeros in IPv4 octets (which some parsers read as octal).</summary>
    private static bool TryParseAddress(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address) =>
        IPAddress.TryParse(text, out address)
        && (address.AddressFamily == AddressFamily.InterNetworkV6 || address.ToString() == text);
}
