using System.Buffers;
using Synack.Framing;

namespace Synack.Tests.Framing;

/// <summary>The hot path allocates nothing: decoding and encoding byte frames is free of garbage, however many frames.</summary>
public sealed class AllocationTests
{
    public static TheoryData<string> Codecs => new() { "fixed", "length-4", "length-varint", "delimiter", "line" };

    private static (IFrameDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>>) Make(string name) => name switch
    {
        "fixed" => (new FixedLengthCodec(64), new FixedLengthCodec(64)),
        "length-4" => (new LengthFieldCodec(), new LengthFieldCodec()),
        "length-varint" => (new LengthFieldCodec(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.VarInt }), new LengthFieldCodec(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.VarInt })),
        "delimiter" => (new DelimiterCodec(";;"u8.ToArray()), new DelimiterCodec(";;"u8.ToArray())),
        _ => (new LineCodec(), new LineCodec()),
    };

    [Theory]
    [MemberData(nameof(Codecs))]
    public void DecodingAndEncodingAThousandFramesAllocatesNothing(string name)
    {
        var (decoder, encoder) = Make(name);
        ReadOnlyMemory<byte> payload = Enumerable.Repeat((byte)'a', 64).ToArray();
        var output = new ArrayBufferWriter<byte>(1 << 20);
        var wire = new ReadOnlySequence<byte>(Segments.Encode(encoder, Enumerable.Repeat(payload, 1000)));

        int Decode()
        {
            var reader = new SequenceReader<byte>(wire);
            int frames = 0;
            while (decoder.TryDecode(ref reader, out ReadOnlySequence<byte> frame))
            {
                frames += frame.IsEmpty ? 0 : 1;
            }

            return frames;
        }

        void Encode()
        {
            output.ResetWrittenCount();
            for (int i = 0; i < 1000; i++)
            {
                encoder.Encode(payload, output);
            }
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1000, Decode()); // warm-up: JIT tiers, statics
            Encode();
        }

        // The runtime may allocate a few bytes once (queuing a method for tier-1 compilation); a per-frame allocation
        // would show in every round. So: the quietest of three rounds must be exactly zero.
        long[] rounds = new long[3];
        int[] decoded = new int[3];
        for (int i = 0; i < rounds.Length; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            decoded[i] = Decode();
            Encode();
            rounds[i] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.All(decoded, n => Assert.Equal(1000, n));
        Assert.Equal(0, rounds.Min());
        Assert.True(rounds.Max() < 1000, $"allocations per round: {string.Join(", ", rounds)}");
    }
}
