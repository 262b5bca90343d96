using System.Buffers;
using Synack.Errors;
using Synack.Framing;
using Synack.ProxyProtocol;

namespace Synack.Testing.Framing;

/// <summary>
/// The fuzz targets, one per built-in decoder, shared by the SharpFuzz/AFL++ driver (fuzz/) and the corpus regression
/// tests. The input chooses its own segmentation: the first byte picks the chunk sizes, the rest is the stream.
/// </summary>
/// <remarks>
/// The property checked for every input: decoding the stream whole, in the chosen chunks and one byte at a time gives the
/// same frames and the same outcome, and the only exception a decoder may throw is a <see cref="SynackException"/> of a
/// peer-misbehaviour kind. Anything else is a bug, reported as <see cref="FuzzFailure"/> (which makes the fuzzer save
/// the input).
/// </remarks>
public static class DecoderFuzzing
{
    /// <summary>The target names (fuzz/corpus has one folder each).</summary>
    public static IReadOnlyList<string> Targets { get; } = ["fixed", "length-4", "length-varint", "length-adjusted", "delimiter", "line", "http", "proxy"];

    /// <summary>Runs one input through <paramref name="target"/>; throws <see cref="FuzzFailure"/> when the property fails.</summary>
    public static void Run(string target, ReadOnlySpan<byte> input) => Check(target, Decoder(target), input);

    /// <summary>
    /// Runs one input through a decoder of your own, under the same property: <paramref name="create"/> makes a fresh
    /// decoder for each decode, <paramref name="show"/> turns a frame into text to compare (it runs while the frame's
    /// bytes are valid; an exception from it is a crash too). Throws <see cref="FuzzFailure"/> when the property fails.
    /// </summary>
    public static void Run<T>(string target, Func<IFrameDecoder<T>> create, Func<T, string> show, ReadOnlySpan<byte> input) =>
        Check(target, chunks => Decode(create(), show)(chunks), input);

    private static void Check(string target, Func<IReadOnlyList<byte[]>, (List<string> Frames, ErrorKind? Error)> decode, ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        byte[] data = input[1..].ToArray();
        var whole = decode([data]);
        var chunked = decode(Segments.Cut(data, ChunkSizes(input[0], data.Length)));
        var single = decode(Segments.OneByteAtATime(data));

        if (whole.Error is not (null or ErrorKind.ProtocolError or ErrorKind.LimitExceeded))
        {
            throw new FuzzFailure($"{target}: unexpected error kind {whole.Error}");
        }

        if (!whole.Frames.SequenceEqual(chunked.Frames) || whole.Error != chunked.Error
            || !whole.Frames.SequenceEqual(single.Frames) || whole.Error != single.Error)
        {
            throw new FuzzFailure($"{target}: the segmentation changed the outcome " +
                $"(whole: {whole.Frames.Count} frame(s), {whole.Error}; chunked: {chunked.Frames.Count}, {chunked.Error}; single: {single.Frames.Count}, {single.Error})");
        }
    }

    /// <summary>Decodes <paramref name="chunks"/> with <paramref name="target"/>: the frames (as text) and the error kind, if any.</summary>
    public static (List<string> Frames, ErrorKind? Error) Decode(string target, IReadOnlyList<byte[]> chunks) => Decoder(target)(chunks);

    /// <summary>Chunk sizes from one byte: the low nibble is the base size (1 – 16), the high nibble how it grows.</summary>
    private static IEnumerable<int> ChunkSizes(byte seed, int length)
    {
        int size = (seed & 0x0F) + 1;
        int growth = seed >> 4;
        for (int total = 0; total < length; total += size, size = Math.Max(1, (size * (growth + 1)) % 97))
        {
            yield return size;
        }
    }

    private static Func<IReadOnlyList<byte[]>, (List<string> Frames, ErrorKind? Error)> Decode<T>(IFrameDecoder<T> decoder, Func<T, string> show) => chunks =>
    {
        var frames = new List<string>();
        try
        {
            Segments.Stream(decoder, chunks, f =>
            {
                string shown = show(f);
                frames.Add(shown);
                return shown;
            });
            return (frames, null);
        }
        catch (SynackException e)
        {
            return (frames, e.Kind);
        }
    };

    private static Func<IReadOnlyList<byte[]>, (List<string> Frames, ErrorKind? Error)> Decoder(string name)
    {
        static string Hex(ReadOnlySequence<byte> frame) => Convert.ToHexString(frame.ToArray());
        return name switch
        {
            "fixed" => Decode(new FixedLengthCodec(7), Hex),
            "length-4" => Decode(new LengthFieldCodec(new LengthFieldOptions { MaxFrameLength = 64 }), Hex),
            "length-varint" => Decode(new LengthFieldCodec(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.VarInt, MaxFrameLength = 64 }), Hex),
            "length-adjusted" => Decode(new LengthFieldCodec(new LengthFieldOptions { LengthFieldOffset = 2, LengthFieldSize = LengthFieldSize.Two, LengthAdjustment = -3, MaxFrameLength = 64 }), Hex),
            "delimiter" => Decode(new DelimiterCodec(";;"u8.ToArray(), maxFrameLength: 64), Hex),
            "line" => Decode(new LineCodec(LineEnding.CrLf, 64), Hex),
            "http" => Decode(new HttpLikeCodec(new HttpLikeOptions { MaxHeadLength = 256, MaxBodyLength = 256 }),
                m => $"{m.StartLine}|{string.Join(";", m.Headers.Select(h => h.Key + "=" + h.Value))}|{Convert.ToHexString(m.Body.Span)}"),
            "proxy" => Decode(new ProxyHeaderCodec(maxLength: 512), ShowProxy),
            _ => throw new ArgumentException($"unknown fuzz target '{name}': one of {string.Join(", ", Targets)}", nameof(name)),
        };
    }

    /// <summary>A PROXY header as text: version, addresses and every TLV (type and value).</summary>
    private static string ShowProxy(ProxyHeader header) =>
        $"v{header.Version} {header.Source}>{header.Destination} {string.Join(",", header.Tlvs.Select(t => $"{t.Type:x2}={Convert.ToHexString(t.Value.Span)}"))} {header.Authority}";
}

/// <summary>A decoder broke the fuzzing property: the input that caused it is a bug report.</summary>
public sealed class FuzzFailure(string message) : Exception(message);
