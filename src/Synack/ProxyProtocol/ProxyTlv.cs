using System.Buffers.Binary;
using System.Numerics;
using Synack.Errors;

namespace Synack.ProxyProtocol;

/// <summary>One PROXY v2 type-length-value extension (proxy-protocol.txt 2.2.1): for example AUTHORITY (0x02, the SNI),
/// UNIQUE_ID (0x05) or SSL (0x20, with its own sub-TLVs in <see cref="Value"/>).</summary>
/// <param name="Type">The PP2_TYPE_* byte.</param>
/// <param name="Value">The value bytes as sent.</param>
public readonly record struct ProxyTlv(byte Type, ReadOnlyMemory<byte> Value)
{
    /// <summary>PP2_TYPE_AUTHORITY: the host name the client asked for.</summary>
    public const byte AuthorityType = 0x02;

    /// <summary>PP2_TYPE_CRC32C: a CRC32c of the whole header, verified by the decoder.</summary>
    public const byte Crc32cType = 0x03;

    /// <summary>PP2_TYPE_UNIQUE_ID: an opaque connection identifier of up to 128 bytes.</summary>
    public const byte UniqueIdType = 0x05;
}

/// <summary>Parses and checks the TLV area of a v2 header.</summary>
internal static class ProxyTlvs
{
    /// <summary>
    /// Reads the TLVs of <paramref name="header"/> (the whole v2 header: 16 fixed bytes, addresses, TLVs) from
    /// <paramref name="offset"/> to its end. Every length must fit inside the header (no TLV may claim bytes past it);
    /// a CRC32c TLV must hold 4 bytes and match the header computed with that field zeroed.
    /// </summary>
    /// <exception cref="SynackException"><see cref="ErrorKind.ProtocolError"/> for a TLV out of bounds or a CRC mismatch.</exception>
    public static IReadOnlyList<ProxyTlv> Parse(byte[] header, int offset)
    {
        if (offset == header.Length)
        {
            return [];
        }

        var tlvs = new List<ProxyTlv>();
        int position = offset;
        while (position < header.Length)
        {
            if (header.Length - position < 3)
            {
                throw SynackException.Protocol($"PROXY v2 TLV header cut short at byte {position} of {header.Length}");
            }

            byte type = header[position];
            int length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(position + 1));
            int value = position + 3;
            if (length > header.Length - value)
            {
                throw SynackException.Protocol($"PROXY v2 TLV 0x{type:x2} claims {length} bytes; only {header.Length - value} remain in the header");
            }

            if (type == ProxyTlv.Crc32cType)
            {
                Verify(header, value, length);
            }

            tlvs.Add(new ProxyTlv(type, header.AsMemory(value, length)));
            position = value + length;
        }

        return tlvs;
    }

    /// <summary>CRC32c (Castagnoli) of the header with the checksum field zeroed must equal the field (big-endian).</summary>
    private static void Verify(byte[] header, int value, int length)
    {
        if (length != 4)
        {
            throw SynackException.Protocol($"PROXY v2 CRC32c TLV of {length} bytes; it must be 4");
        }

        uint expected = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(value));
        uint actual = Crc32c(header, value);
        if (actual != expected)
        {
            throw SynackException.Protocol($"PROXY v2 CRC32c mismatch: header says 0x{expected:x8}, bytes give 0x{actual:x8}");
        }
    }

    /// <summary>CRC32c over <paramref name="header"/>, reading the 4 bytes at <paramref name="zeroAt"/> as zeros.</summary>
    internal static uint Crc32c(ReadOnlySpan<byte> header, int zeroAt = -1)
    {
        uint crc = uint.MaxValue;
        for (int i = 0; i < header.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, i >= zeroAt && i < zeroAt + 4 && zeroAt >= 0 ? (byte)0 : header[i]);
        }

        return ~crc;
    }
}
