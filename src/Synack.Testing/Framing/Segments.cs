using System.Buffers;
using Synack.Framing;

namespace Synack.Testing.Framing;

/// <summary>Drives a decoder the way a socket does: bytes arrive in chunks, the decoder sees only what has arrived.</summary>
public static class Segments
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    /// <summary>A multi-segment sequence: one segment per chunk (empty chunks skipped).</summary>
    public static ReadOnlySequence<byte> Sequence(IReadOnlyList<byte[]> chunks)
    {
        var nonEmpty = chunks.Where(c => c.Length > 0).ToList();
        if (nonEmpty.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(nonEmpty[0], null);
        Segment last = first;
        foreach (byte[] chunk in nonEmpty.Skip(1))
        {
            last = new Segment(chunk, last);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Cuts <paramref name="data"/> at the given sizes (the remainder is the last chunk).</summary>
    public static List<byte[]> Cut(byte[] data, IEnumerable<int> sizes)
    {
        var chunks = new List<byte[]>();
        int at = 0;
        foreach (int size in sizes)
        {
            int take = Math.Min(size, data.Length - at);
            chunks.Add(data.AsSpan(at, take).ToArray());
            at += take;
        }

        chunks.Add(data.AsSpan(at).ToArray());
        return chunks;
    }

    /// <summary>
    /// Feeds the chunks one at a time; after each arrival decodes every complete frame from everything buffered so far
    /// (a multi-segment sequence), exactly as <see cref="FrameReader{T}"/> does. Returns the frames (copied) and the bytes left over.
    /// </summary>
    public static (List<TOut> Frames, long Leftover) Stream<T, TOut>(IFrameDecoder<T> decoder, IReadOnlyList<byte[]> chunks, Func<T, TOut> copy)
    {
        var frames = new List<TOut>();
        var buffered = new List<byte[]>();
        foreach (byte[] chunk in chunks)
        {
            buffered.Add(chunk);
            ReadOnlySequence<byte> sequence = Sequence(buffered);
            var reader = new SequenceReader<byte>(sequence);
            while (true)
            {
                SequenceReader<byte> attempt = reader;
                if (!decoder.TryDecode(ref attempt, out T frame))
                {
                    break;
                }

                frames.Add(copy(frame));
                reader = attempt;
            }

            byte[] rest = sequence.Slice(reader.Position).ToArray();
            buffered = new List<byte[]> { rest };
        }

        return (frames, buffered.Sum(b => (long)b.Length));
    }

    /// <summary>Every way to cut the data in two: one chunking per split point 0..n.</summary>
    public static IEnumerable<List<byte[]>> EverySplitPoint(byte[] data) =>
        Enumerable.Range(0, data.Length + 1).Select(i => Cut(data, new[] { i }));

    /// <summary>One byte per chunk.</summary>
    public static List<byte[]> OneByteAtATime(byte[] data) => data.Select(b => new[] { b }).ToList();

    /// <summary>Encodes <paramref name="frames"/> back to back into one buffer.</summary>
    public static byte[] Encode<T>(IFrameEncoder<T> encoder, IEnumerable<T> frames)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (T frame in frames)
        {
            encoder.Encode(frame, output);
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes everything from one contiguous buffer.</summary>
    public static (List<TOut> Frames, long Leftover) Whole<T, TOut>(IFrameDecoder<T> decoder, byte[] data, Func<T, TOut> copy) =>
        Stream(decoder, new[] { data }, copy);
}
