using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Synack.Framing;
using Synack.Testing.Framing;

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
        byte[] bytes = Segments.Encode(_encoder, Enumerable.Repeat((ReadOnlyMemory<byte>)_payload, Frames));
        _contiguous = new ReadOnlySequence<byte>(bytes);
        _segmented = Segments.Sequence(Segments.Cut(bytes, Enumerable.Repeat(4096, bytes.Length / 4096))); // 4 KiB, as from a socket
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
}
