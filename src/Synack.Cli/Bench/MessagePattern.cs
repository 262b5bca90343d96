using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using Synack.Cli.Common;

namespace Synack.Cli.Bench;

/// <summary>
/// What message <c>seq</c> of one connection looks like on the wire: the framing's header, then <c>size</c> bytes of a
/// pattern drawn from the connection's own seed at an offset that moves with <c>seq</c>, then the framing's trailer. A
/// reply that is corrupted, reordered, duplicated or delivered to the wrong connection therefore fails verification, and
/// both making and checking a message are one copy and one comparison (memcpy speed, as refbench's loadgen checks every
/// byte). Line framing uses letters only, so no payload contains a line break.
/// </summary>
internal sealed class MessagePattern
{
    private readonly byte[] _pattern; // the seed's bytes twice, so any offset has `size` bytes after it
    private readonly int _size;
    private readonly ulong _modMultiplier; // for % _size by multiplication (see Payload)
    private readonly FramingMode _framing;

    public MessagePattern(int connection, int size, FramingMode framing)
    {
        _size = size;
        _modMultiplier = (ulong.MaxValue / (uint)size) + 1;
        _framing = framing;
        _pattern = new byte[size * 2];
        uint state = unchecked((uint)(connection * 40503) ^ 0x9E3779B9u);
        for (int i = 0; i < size; i++)
        {
            state = unchecked(state * 1664525 + 1013904223);
            byte value = (byte)(state >> 24);
            _pattern[i] = _pattern[i + size] = framing == FramingMode.Line ? (byte)('a' + value % 26) : value;
        }

        WireSize = size + HeaderSize + (framing == FramingMode.Line ? 1 : 0);
    }

    /// <summary>Bytes per message on the wire: the payload plus the framing's header and trailer.</summary>
    public int WireSize { get; }

    private int HeaderSize => _framing == FramingMode.Length ? 4 : 0;

    /// <summary>Writes message <paramref name="seq"/>'s wire image into <paramref name="wire"/> (<see cref="WireSize"/> bytes).</summary>
    public void Fill(Span<byte> wire, long seq)
    {
        Debug.Assert(wire.Length == WireSize, "the trailer goes at the message's end");
        if (_framing == FramingMode.Length)
        {
            BinaryPrimitives.WriteInt32BigEndian(wire, _size);
        }

        Payload(seq).CopyTo(wire[HeaderSize..]);
        if (_framing == FramingMode.Line)
        {
            wire[^1] = (byte)'\n';
        }
    }

    /// <summary>
    /// Whether the reader's next <see cref="WireSize"/> bytes are message <paramref name="seq"/> (then reads past them):
    /// compared in place where they are contiguous, with no copy of the expected bytes; <paramref name="scratch"/>
    /// (<see cref="WireSize"/> bytes) holds them when the message spans two buffers.
    /// </summary>
    public bool TryMatch(ref SequenceReader<byte> reader, long seq, Span<byte> scratch)
    {
        ReadOnlySpan<byte> unread = reader.UnreadSpan;
        if (unread.Length < WireSize)
        {
            Fill(scratch, seq);
            return reader.IsNext(scratch, advancePast: true);
        }

        bool same = (_framing != FramingMode.Length || BinaryPrimitives.ReadInt32BigEndian(unread) == _size)
            && unread.Slice(HeaderSize, _size).SequenceEqual(Payload(seq))
            && (_framing != FramingMode.Line || unread[WireSize - 1] == (byte)'\n');
        if (same)
        {
            reader.Advance(WireSize);
        }

        return same;
    }

    /// <summary>Appends message <paramref name="seq"/> to <paramref name="output"/>.</summary>
    public void Write(IBufferWriter<byte> output, long seq)
    {
        Fill(output.GetSpan(WireSize)[..WireSize], seq); // GetSpan may hand out more than asked for
        output.Advance(WireSize);
    }

    /// <remarks>
    /// The offset is <c>(uint)(seq * 31) % size</c>, computed by multiplication (Lemire, Kaser and Kurz, "Faster
    /// remainder by direct computation", 2019) instead of a division per message (BenchClientBenchmarks, stop 21).
    /// </remarks>
    private ReadOnlySpan<byte> Payload(long seq)
    {
        ulong fraction = _modMultiplier * unchecked((uint)(seq * 31));
        return _pattern.AsSpan((int)Math.BigMul(fraction, (uint)_size, out _), _size);
    }
}
