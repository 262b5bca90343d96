using System.Buffers;
using System.Buffers.Binary;
using Synack.Errors;

namespace Synack.Framing;

/// <summary>
/// Length-prefix framing, configurable like Netty's <c>LengthFieldBasedFrameDecoder</c>: a 1/2/4/8-byte (either byte order)
/// or varint length field at an offset, a length adjustment, and header stripping. See <see cref="LengthFieldOptions"/> for
/// the byte layout.
/// </summary>
/// <remarks>
/// The announced length is checked the moment the header is readable, before any of the body is buffered: a
/// 4-byte <c>FF FF FF FF</c> fails with <see cref="ErrorKind.LimitExceeded"/> after 4 bytes.
/// <see cref="LengthFieldOptions.MaxFrameLength"/> bounds the bytes after the length field (value + adjustment), not the
/// header: with the default 1 MiB, a 1 MiB body is accepted and a 1 MiB + 1 body refused (issue 14, problem 4;
/// <c>ABodyOfExactlyTheMaximumIsAcceptedAndOneByteMoreIsRefused</c>). A length that becomes negative
/// after adjustment, a varint longer than 10 bytes, or an 8-byte value above <see cref="long.MaxValue"/> fail with
/// <see cref="ErrorKind.ProtocolError"/>. Arithmetic cannot overflow (it is done in 128 bits).
/// The encoder supports the common layout only: <c>LengthFieldOffset = 0</c> and the whole header stripped; it writes
/// <c>body length − LengthAdjustment</c>.
/// </remarks>
public sealed class LengthFieldCodec : IFrameLengthDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>>, ISequenceFrameEncoder
{
    private readonly int _offset;
    private readonly int _width;
    private readonly bool _bigEndian;
    private readonly int _adjustment;
    private readonly int? _strip;
    private readonly int _max;

    /// <summary>Creates a codec; the options are copied, so later changes to them do not affect it.</summary>
    public LengthFieldCodec(LengthFieldOptions? options = null)
    {
        options ??= new LengthFieldOptions();
        _offset = options.LengthFieldOffset;
        _width = (int)options.LengthFieldSize;
        _bigEndian = options.ByteOrder == ByteOrder.BigEndian;
        _adjustment = options.LengthAdjustment;
        _strip = options.InitialBytesToStrip;
        _max = options.MaxFrameLength;
    }

    /// <inheritdoc/>
    /// <remarks>On the wire: the leading bytes, the widest length field (10 bytes for a varint) and the largest body.</remarks>
    public long MaxFrameLength => _offset + (_width == 0 ? VarInt.MaxLength : _width) + (long)_max;

    /// <inheritdoc/>
    public bool TryDecode(ref SequenceReader<byte> input, out ReadOnlySequence<byte> frame) => TryDecode(ref input, out frame, out _);

    /// <inheritdoc/>
    /// <remarks>The length reported is the header's plus the announced body's, once the header is readable and accepted.</remarks>
    public bool TryDecode(ref SequenceReader<byte> input, out ReadOnlySequence<byte> frame, out long frameLength)
    {
        frame = default;
        frameLength = 0;
        SequenceReader<byte> probe = input;
        if (probe.Remaining < _offset)
        {
            return false;
        }

        probe.Advance(_offset);
        if (!TryReadLength(ref probe, out ulong value))
        {
            return false;
        }

        long headerLength = probe.Consumed - input.Consumed;
        Int128 bodyLength = (Int128)value + _adjustment;
        if (bodyLength > _max)
        {
            throw SynackException.Limit($"length field announces a {bodyLength}-byte body; the maximum frame length is {_max} bytes after the length field");
        }

        Int128 wholeLength = bodyLength + headerLength;
        if (bodyLength < 0)
        {
            throw SynackException.Protocol($"length field value {value} with adjustment {_adjustment} gives a negative body length");
        }

        long strip = _strip ?? headerLength;
        if (strip > wholeLength)
        {
            throw SynackException.Protocol($"frame of {wholeLength} bytes is shorter than the {strip} bytes to strip");
        }

        if (input.Remaining < wholeLength)
        {
            frameLength = (long)wholeLength;
            return false;
        }

        frame = input.UnreadSequence.Slice(strip, (long)wholeLength - strip);
        input.Advance((long)wholeLength);
        return true;
    }

    /// <inheritdoc/>
    public void Encode(in ReadOnlyMemory<byte> frame, IBufferWriter<byte> output) => Encode(new ReadOnlySequence<byte>(frame), output);

    /// <summary>
    /// Encodes a frame held in several buffers (a header and a body, see <see cref="FrameWriterExtensions"/>): one length
    /// field for all of it, then each buffer as it is.
    /// </summary>
    public void Encode(in ReadOnlySequence<byte> frame, IBufferWriter<byte> output)
    {
        if (_offset != 0 || (_strip is { } strip && (_width == 0 || strip != _width)))
        {
            throw new InvalidOperationException(
                "this encoder writes [length][body] only: set LengthFieldOffset = 0 and leave InitialBytesToStrip at the header length");
        }

        long value = (long)frame.Length - _adjustment;
        if (value < 0)
        {
            throw new ArgumentException($"a {frame.Length}-byte frame with adjustment {_adjustment} gives a negative length field", nameof(frame));
        }

        int width = _width == 0 ? VarInt.SizeOf((ulong)value) : _width;
        if ((_width is 1 && value > byte.MaxValue) || (_width is 2 && value > ushort.MaxValue) || (_width is 4 && value > uint.MaxValue)
            || frame.Length > _max)
        {
            throw SynackException.Limit($"a {frame.Length}-byte frame does not fit the {(_width == 0 ? "varint" : _width + "-byte")} length field and the maximum frame length {_max}");
        }

        Span<byte> header = output.GetSpan(width);
        WriteLength(header, (ulong)value);
        output.Advance(width);
        FrameBytes.Write(frame, output);
    }

    private bool TryReadLength(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        if (_width == 0)
        {
            return VarInt.TryRead(ref reader, out value);
        }

        Span<byte> field = stackalloc byte[8];
        if (!reader.TryCopyTo(field[.._width]))
        {
            return false;
        }

        reader.Advance(_width);
        value = _width switch
        {
            1 => field[0],
            2 => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(field) : BinaryPrimitives.ReadUInt16LittleEndian(field),
            4 => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(field) : BinaryPrimitives.ReadUInt32LittleEndian(field),
            _ => _bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(field) : BinaryPrimitives.ReadUInt64LittleEndian(field),
        };
        if (value > long.MaxValue)
        {
            throw SynackException.Protocol($"8-byte length field {value} is negative as a signed length");
        }

        return true;
    }

    private void WriteLength(Span<byte> destination, ulong value)
    {
        if (_width == 0)
        {
            VarInt.Write(destination, value);
        }
        else if (_width == 1)
        {
            destination[0] = (byte)value;
        }
        else
        {
            // Write the 8-byte big- or little-endian form and keep the low-order `_width` bytes.
            Span<byte> wide = stackalloc byte[8];
            if (_bigEndian)
            {
                BinaryPrimitives.WriteUInt64BigEndian(wide, value);
                wide[(8 - _width)..].CopyTo(destination);
            }
            else
            {
                BinaryPrimitives.WriteUInt64LittleEndian(wide, value);
                wide[.._width].CopyTo(destination);
            }
        }
    }
}
