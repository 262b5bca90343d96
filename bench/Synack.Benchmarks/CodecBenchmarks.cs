using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Synack.Framing;

namespace Synack.Benchmarks;

/// <summary>
/// 1,000 frames of <see cref="PayloadSize"/> bytes per operation, decoded from one contiguous buffer and from 4 KiB
/// segments (as a socket delivers them), and encoded into a reused buffer. Results are per frame
/// (OperationsPerInvoke); the Allocated column must read 0 B on these paths.
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private const int Frames = 1000;
    private IFrameDecoder<ReadOnlySequence<byte>> _decoder = null!;
    private IFrameEncoder<ReadOnlyMemory<byte>> _encoder = null!;
    private ReadOnlySequence<byte> _contiguous;
    private ReadOnlySequence<byte> _segmented;
    private ReadOnlyMemory<byte> _payload;
    private readonly ArrayBufferWriter<byte> _output = new(4 * 1024 * 1024);

    /// <summary>The codec under test.</summary>
    [Params("fixed", "length-4", "length-varint", "delimiter", "line")]
    public string Codec { get; set; } = "line";

    /// <summary>Payload bytes per frame.</summary>
    [Params(32, 1024)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_decoder, _encoder) = Codec switch
        {
            "fixed" => Pair(new FixedLengthCodec(PayloadSize)),
            "length-4" => Pair(new LengthFieldCodec()),
            "length-varint" => Pair(new LengthFieldCodec(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.VarInt })),
            "delimiter" => Pair(new DelimiterCodec(";;"u8.ToArray())),
            _ => Pair(new LineCodec()),
        };
        _payload = Encoding.ASCII.GetBytes(new string('a', PayloadSize));
        var wire = new ArrayBufferWriter<byte>();
        for (int i = 0; i < Frames; i++)
        {
            _encoder.Encode(_payload, wire);
        }

        byte[] bytes = wire.WrittenSpan.ToArray();
        _contiguous = new ReadOnlySequence<byte>(bytes);
        _segmented = Segmented(bytes, 4096);
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public int DecodeContiguous() => Decode(_contiguous);

    [Benchmark(OperationsPerInvoke = Frames)]
    public int DecodeFourKiBSegments() => Decode(_segmented);

    [Benchmark(OperationsPerInvoke = Frames)]
    public long Encode()
    {
        _output.ResetWrittenCount();
        for (int i = 0; i < Frames; i++)
        {
            _encoder.Encode(_payload, _output);
        }

        return _output.WrittenCount;
    }

    private int Decode(ReadOnlySequence<byte> input)
    {
        var reader = new SequenceReader<byte>(input);
        int frames = 0;
        while (_decoder.TryDecode(ref reader, out ReadOnlySequence<byte> frame))
        {
            frames += (int)Math.Min(frame.Length, 1);
        }

        return frames;
    }

    private static (IFrameDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>>) Pair<T>(T codec)
        where T : IFrameDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>> => (codec, codec);

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int size)
    {
        Segment? first = null, last = null;
        for (int at = 0; at < bytes.Length; at += size)
        {
            var segment = new Segment(bytes.AsMemory(at, Math.Min(size, bytes.Length - at)), last);
            first ??= segment;
            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

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
}
