using System.Buffers;
using Synack.Errors;

namespace Synack.Framing;

/// <summary>Unsigned LEB128 varints (Protocol Buffers): 7 value bits per byte, least significant group first, high bit = more.</summary>
/// <remarks>
/// <code>
///  300 = 0b1_0010_1100  →  1010_1100  0000_0010
///                          ^more      ^last
/// </code>
/// </remarks>
public static class VarInt
{
    /// <summary>The longest encoding of a 64-bit value.</summary>
    public const int MaxLength = 10;

    /// <summary>Reads a varint.</summary>
    /// <returns><c>true</c> with the value and the reader advanced past it; <c>false</c> (reader unchanged) when more bytes are needed.</returns>
    /// <exception cref="SynackException"><see cref="ErrorKind.ProtocolError"/> when the varint is longer than 10 bytes or overflows 64 bits.</exception>
    public static bool TryRead(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        SequenceReader<byte> probe = reader;
        for (int i = 0; i < MaxLength; i++)
        {
            if (!probe.TryRead(out byte b))
            {
                return false;
            }

            if (i == MaxLength - 1 && b > 1)
            {
                throw SynackException.Protocol("varint length overflows 64 bits");
            }

            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                reader = probe;
                return true;
            }
        }

        throw SynackException.Protocol($"varint length longer than {MaxLength} bytes");
    }

    /// <summary>The number of bytes <paramref name="value"/> encodes to.</summary>
    public static int SizeOf(ulong value)
    {
        int size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    /// <summary>Writes <paramref name="value"/>; returns the bytes written. <paramref name="destination"/> needs <see cref="SizeOf"/> bytes.</summary>
    public static int Write(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }
}
