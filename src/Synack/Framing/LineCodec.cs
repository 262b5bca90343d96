using System.Buffers;
using Synack.Errors;

namespace Synack.Framing;

/// <summary>
/// Line framing: <c>line LF</c> (accepting <c>line CR LF</c>), or strictly <c>line CR LF</c>. The terminator is not part
/// of the frame. Lines longer than the maximum (8 KiB by default) fail with <see cref="ErrorKind.LimitExceeded"/> as soon as
/// that many bytes are buffered without a terminator.
/// <code>
/// Lf:    h e l l o \n       or   h e l l o \r \n    → "hello"
/// CrLf:  h e l l o \r \n                            → "hello"      (a bare \n stays inside the line)
/// </code>
/// </summary>
public sealed class LineCodec : IFrameDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>>, ISequenceFrameEncoder
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private readonly int _maxLineLength;

    /// <summary>Creates a line codec.</summary>
    /// <param name="ending">The line terminator. Default <see cref="LineEnding.Lf"/>.</param>
    /// <param name="maxLineLength">The longest line accepted, terminator excluded. Default 8 KiB.</param>
    public LineCodec(LineEnding ending = LineEnding.Lf, int maxLineLength = FrameLimits.DefaultMaxLineLength)
    {
        Ending = ending;
        _maxLineLength = Check.Range(maxLineLength, 1, int.MaxValue - 2);
    }

    /// <summary>The line terminator.</summary>
    public LineEnding Ending { get; }

    /// <summary>The longest line accepted, terminator excluded.</summary>
    public int MaxLineLength => _maxLineLength;

    /// <inheritdoc/>
    public long MaxFrameLength => (long)_maxLineLength + 2;

    /// <inheritdoc/>
    public bool TryDecode(ref SequenceReader<byte> input, out ReadOnlySequence<byte> frame)
    {
        bool found = Ending == LineEnding.Lf
            ? input.TryReadTo(out frame, Lf, advancePastDelimiter: true)
            : input.TryReadTo(out frame, "\r\n"u8, advancePastDelimiter: true);
        if (!found)
        {
            if (input.Remaining > _maxLineLength + 1)
            {
                throw SynackException.Limit($"no end of line within {_maxLineLength} bytes (the maximum line length)");
            }

            return false;
        }

        if (Ending == LineEnding.Lf && !frame.IsEmpty && LastByte(frame) == Cr)
        {
            frame = frame.Slice(0, frame.Length - 1);
        }

        if (frame.Length > _maxLineLength)
        {
            throw SynackException.Limit($"line of {frame.Length} bytes exceeds the maximum line length {_maxLineLength}");
        }

        return true;
    }

    /// <inheritdoc/>
    public void Encode(in ReadOnlyMemory<byte> frame, IBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> line = frame.Span;
        if (line.Length > _maxLineLength)
        {
            throw SynackException.Limit($"line of {line.Length} bytes exceeds the maximum line length {_maxLineLength}");
        }

        bool ambiguous = Ending == LineEnding.Lf
            ? line.IndexOf(Lf) >= 0 || (line.Length > 0 && line[^1] == Cr)
            : line.IndexOf("\r\n"u8) >= 0;
        if (ambiguous)
        {
            throw new ArgumentException("line contains its terminator (or, with LF endings, ends in CR), so it would not decode as the same line", nameof(frame));
        }

        output.Write(line);
        output.Write(Ending == LineEnding.Lf ? "\n"u8 : "\r\n"u8);
    }

    /// <summary>Encodes a line held in several buffers (see <see cref="FrameWriterExtensions"/>), checked as <see cref="Encode(in ReadOnlyMemory{byte}, IBufferWriter{byte})"/> is.</summary>
    public void Encode(in ReadOnlySequence<byte> frame, IBufferWriter<byte> output)
    {
        if (frame.IsSingleSegment)
        {
            Encode(frame.First, output);
            return;
        }

        if (frame.Length > _maxLineLength)
        {
            throw SynackException.Limit($"line of {frame.Length} bytes exceeds the maximum line length {_maxLineLength}");
        }

        bool ambiguous = Ending == LineEnding.Lf
            ? frame.PositionOf(Lf) is not null || LastByte(frame) == Cr
            : FrameBytes.Contains(frame, "\r\n"u8);
        if (ambiguous)
        {
            throw new ArgumentException("line contains its terminator (or, with LF endings, ends in CR), so it would not decode as the same line", nameof(frame));
        }

        FrameBytes.Write(frame, output);
        output.Write(Ending == LineEnding.Lf ? "\n"u8 : "\r\n"u8);
    }

    private static byte LastByte(in ReadOnlySequence<byte> sequence) => sequence.Slice(sequence.Length - 1).FirstSpan[0];
}
