using System.Buffers;

namespace Synack.Framing;

/// <summary>
/// Fixed-length framing: every frame is exactly <see cref="FrameLength"/> bytes, with no header.
/// <code>
/// +--------+--------+--------+
/// | frame0 | frame1 | frame2 |   each FrameLength bytes
/// +--------+--------+--------+
/// </code>
/// </summary>
public sealed class FixedLengthCodec : IFrameLengthDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>>, ISequenceFrameEncoder
{
    /// <summary>Creates a codec for frames of <paramref name="frameLength"/> bytes (1 byte to 1 GiB).</summary>
    public FixedLengthCodec(int frameLength) => FrameLength = Check.Range(frameLength, 1, 1 << 30);

    /// <summary>The length of every frame.</summary>
    public int FrameLength { get; }

    /// <inheritdoc/>
    public long MaxFrameLength => FrameLength;

    /// <inheritdoc/>
    public bool TryDecode(ref SequenceReader<byte> input, out ReadOnlySequence<byte> frame) => TryDecode(ref input, out frame, out _);

    /// <inheritdoc/>
    /// <remarks>Every frame's length is known before its first byte: the record's.</remarks>
    public bool TryDecode(ref SequenceReader<byte> input, out ReadOnlySequence<byte> frame, out long frameLength)
    {
        if (input.Remaining < FrameLength)
        {
            frame = default;
            frameLength = FrameLength;
            return false;
        }

        frameLength = 0;

        frame = input.Sequence.Slice(input.Position, FrameLength); // one slice (UnreadSequence would be a second)
        input.Advance(FrameLength);
        return true;
    }

    /// <inheritdoc/>
    public void Encode(in ReadOnlyMemory<byte> frame, IBufferWriter<byte> output)
    {
        if (frame.Length != FrameLength)
        {
            throw new ArgumentException($"frame is {frame.Length} bytes; this codec's frames are exactly {FrameLength}", nameof(frame));
        }

        output.Write(frame.Span);
    }

    /// <summary>Encodes a frame held in several buffers (see <see cref="FrameWriterExtensions"/>).</summary>
    public void Encode(in ReadOnlySequence<byte> frame, IBufferWriter<byte> output)
    {
        if (frame.Length != FrameLength)
        {
            throw new ArgumentException($"frame is {frame.Length} bytes; this codec's frames are exactly {FrameLength}", nameof(frame));
        }

        FrameBytes.Write(frame, output);
    }
}
