using System.Buffers;
using Synack.Errors;

namespace Synack.Framing;

/// <summary>
/// Delimiter framing: each frame is followed by a delimiter byte sequence, which is not part of the frame.
/// <code>
/// +---------------+-----------+---------------+-----------+
/// | frame0 bytes  | delimiter | frame1 bytes  | delimiter |
/// +---------------+-----------+---------------+-----------+
/// </code>
/// A frame longer than <see cref="MaxFrameLength"/> fails with <see cref="ErrorKind.LimitExceeded"/> as soon as more bytes than
/// that are buffered without a delimiter, so a peer that never sends one cannot grow the buffer.
/// </summary>
public sealed class DelimiterCodec : IFrameDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>>, ISequenceFrameEncoder
{
    private readonly byte[] _delimiter;
    private readonly int _maxFrameLength;

    /// <summary>Creates a codec splitting on <paramref name="delimiter"/> (1 to 64 bytes).</summary>
    /// <param name="delimiter">The delimiter bytes.</param>
    /// <param name="maxFrameLength">The longest frame accepted, delimiter excluded. Default 1 MiB.</param>
    public DelimiterCodec(ReadOnlyMemory<byte> delimiter, int maxFrameLength = FrameLimits.DefaultMaxFrameLength)
    {
        Check.Range(delimiter.Length, 1, 64);
        _delimiter = delimiter.ToArray();
        _maxFrameLength = Check.Range(maxFrameLength, 1, int.MaxValue - 64);
    }

    /// <summary>The delimiter bytes.</summary>
    public ReadOnlyMemory<byte> Delimiter => _delimiter;

    /// <summary>The longest frame accepted, delimiter excluded.</summary>
    public int MaxFrameBodyLength => _maxFrameLength;

    /// <inheritdoc/>
    public long MaxFrameLength => (long)_maxFrameLength + _delimiter.Length;

    /// <inheritdoc/>
    public bool TryDecode(ref SequenceReader<byte> input, out ReadOnlySequence<byte> frame)
    {
        if (!input.TryReadTo(out frame, _delimiter, advancePastDelimiter: true))
        {
            // No delimiter yet. Up to delimiter-1 trailing bytes may be the start of one.
            if (input.Remaining > _maxFrameLength + _delimiter.Length - 1)
            {
                throw SynackException.Limit($"no delimiter within {_maxFrameLength} bytes (the maximum frame length)");
            }

            return false;
        }

        if (frame.Length > _maxFrameLength)
        {
            throw SynackException.Limit($"frame of {frame.Length} bytes exceeds the maximum frame length {_maxFrameLength}");
        }

        return true;
    }

    /// <inheritdoc/>
    public void Encode(in ReadOnlyMemory<byte> frame, IBufferWriter<byte> output)
    {
        if (frame.Length > _maxFrameLength)
        {
            throw SynackException.Limit($"frame of {frame.Length} bytes exceeds the maximum frame length {_maxFrameLength}");
        }

        if (frame.Span.IndexOf(_delimiter) >= 0)
        {
            throw new ArgumentException("frame contains the delimiter, so it would not decode as one frame", nameof(frame));
        }

        output.Write(frame.Span);
        output.Write(_delimiter);
    }

    /// <summary>Encodes a frame held in several buffers (see <see cref="FrameWriterExtensions"/>), checked as <see cref="Encode(in ReadOnlyMemory{byte}, IBufferWriter{byte})"/> is.</summary>
    public void Encode(in ReadOnlySequence<byte> frame, IBufferWriter<byte> output)
    {
        if (frame.IsSingleSegment)
        {
            Encode(frame.First, output);
            return;
        }

        if (frame.Length > _maxFrameLength)
        {
            throw SynackException.Limit($"frame of {frame.Length} bytes exceeds the maximum frame length {_maxFrameLength}");
        }

        if (FrameBytes.Contains(frame, _delimiter))
        {
            throw new ArgumentException("frame contains the delimiter, so it would not decode as one frame", nameof(frame));
        }

        FrameBytes.Write(frame, output);
        output.Write(_delimiter);
    }
}
