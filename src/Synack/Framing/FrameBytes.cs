using System.Buffers;

namespace Synack.Framing;

/// <summary>
/// The codecs' encoders of a <see cref="ReadOnlySequence{T}"/> frame (a body in several buffers, a header plus a body:
/// issue 15): the checks they make on one span, made across segments, and the copy segment by segment, so nothing is
/// concatenated first.
/// </summary>
internal static class FrameBytes
{
    /// <summary>Copies every segment of <paramref name="frame"/> to <paramref name="output"/>, in order.</summary>
    public static void Write(in ReadOnlySequence<byte> frame, IBufferWriter<byte> output)
    {
        foreach (ReadOnlyMemory<byte> segment in frame)
        {
            output.Write(segment.Span);
        }
    }

    /// <summary>True when <paramref name="value"/> occurs in <paramref name="frame"/>, also across a segment boundary.</summary>
    public static bool Contains(in ReadOnlySequence<byte> frame, ReadOnlySpan<byte> value)
    {
        var reader = new SequenceReader<byte>(frame);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, value, advancePastDelimiter: false);
    }

    /// <summary>A sequence of two buffers, a header and a body, without copying either (two small segment objects).</summary>
    public static ReadOnlySequence<byte> Join(ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> body)
    {
        if (header.IsEmpty || body.IsEmpty)
        {
            return new ReadOnlySequence<byte>(header.IsEmpty ? body : header);
        }

        var first = new Segment(header, 0);
        var last = new Segment(body, header.Length);
        first.SetNext(last);
        return new ReadOnlySequence<byte>(first, 0, last, body.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
