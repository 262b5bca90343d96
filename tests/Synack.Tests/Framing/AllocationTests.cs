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

        // The runtime may allocate now and then on this thread (tier-1 compilation, OSR, call-counting stubs: 6,768 B in
        // one round was seen under load), but a per-frame allocation would show in every round. So: the quietest of five
        // rounds must be exactly zero; no bound on the noisiest, which only the runtime decides.
        long[] rounds = new long[5];
        int[] decoded = new int[5];
        for (int i = 0; i < rounds.Length; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            decoded[i] = Decode();
            Encode();
            rounds[i] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.All(decoded, n => Assert.Equal(1000, n));
        Assert.True(rounds.Min() == 0, $"allocations per round of 1,000 frames: {string.Join(", ", rounds)}");
    }
}
