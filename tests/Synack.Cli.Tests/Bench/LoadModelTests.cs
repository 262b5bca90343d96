using System.Buffers.Binary;
using Synack.Cli.Bench;
using Synack.Cli.Common;

namespace Synack.Cli.Tests.Bench;

/// <summary>The bench's message pattern and core split, over plain values.</summary>
public sealed class LoadModelTests
{
    [Theory]
    [InlineData("raw", 32, 32)]
    [InlineData("line", 32, 33)]
    [InlineData("length", 32, 36)]
    public void EachMessageCarriesItsFramingAndDiffersFromItsNeighboursAndFromOtherConnections(string name, int size, int wire)
    {
        FramingMode framing = Enum.Parse<FramingMode>(name, ignoreCase: true);
        var pattern = new MessagePattern(connection: 3, size, framing);
        byte[] first = new byte[wire], second = new byte[wire], other = new byte[wire];

        pattern.Fill(first, 0);
        pattern.Fill(second, 1);
        new MessagePattern(connection: 4, size, framing).Fill(other, 0);

        Assert.Equal(wire, pattern.WireSize);
        Assert.NotEqual(first, second);
        Assert.NotEqual(first, other);
        if (framing == FramingMode.Line)
        {
            Assert.Equal((byte)'\n', first[^1]);
            Assert.All(first[..^1], b => Assert.InRange(b, (byte)'a', (byte)'z'));
        }

        if (framing == FramingMode.Length)
        {
            Assert.Equal(size, BinaryPrimitives.ReadInt32BigEndian(first));
        }
    }

    [Theory]
    [InlineData("raw", 32)]
    [InlineData("line", 7)]
    [InlineData("length", 1000)]
    [InlineData("raw", 1)]
    public void AReplyIsMatchedInPlaceOrAcrossTwoBuffersAndAnotherMessageOrAFlippedByteIsRefused(string name, int size)
    {
        var pattern = new MessagePattern(connection: 9, size, Enum.Parse<FramingMode>(name, ignoreCase: true));
        byte[] scratch = new byte[pattern.WireSize];
        foreach (long seq in new long[] { 0, 1, 5, 137, int.MaxValue, 1L << 40 })
        {
            byte[] wire = new byte[pattern.WireSize];
            pattern.Fill(wire, seq);

            var whole = new System.Buffers.SequenceReader<byte>(new System.Buffers.ReadOnlySequence<byte>(wire));
            Assert.True(pattern.TryMatch(ref whole, seq, scratch));
            Assert.Equal(wire.Length, whole.Consumed);

            var split = new System.Buffers.SequenceReader<byte>(TwoSegments(wire, wire.Length / 2));
            Assert.True(pattern.TryMatch(ref split, seq, scratch));
            Assert.Equal(wire.Length, split.Consumed);

            byte[] flipped = (byte[])wire.Clone();
            flipped[^1] ^= 0x01;
            var corrupt = new System.Buffers.SequenceReader<byte>(new System.Buffers.ReadOnlySequence<byte>(flipped));
            Assert.False(pattern.TryMatch(ref corrupt, seq, scratch));
            Assert.Equal(0, corrupt.Consumed);
        }

        if (size > 1)
        {
            byte[] next = new byte[pattern.WireSize];
            pattern.Fill(next, 6);
            var wrong = new System.Buffers.SequenceReader<byte>(new System.Buffers.ReadOnlySequence<byte>(next));
            Assert.False(pattern.TryMatch(ref wrong, 5, scratch)); // message 6 where 5 was due: reordered or duplicated
        }
    }

    [Fact]
    public void ConsecutiveMessagesOfOneConnectionNeverShareTheirPayloadOffsetForSizesFrom32Up()
    {
        // The offset moves by 31 per message (mod size): for size >= 32 two consecutive messages always differ in offset,
        // so a duplicated or skipped reply fails verification unless the pattern itself repeats.
        foreach (int size in new[] { 32, 33, 64, 1000, 65536 })
        {
            var pattern = new MessagePattern(connection: 2, size, FramingMode.Raw);
            byte[] a = new byte[size], b = new byte[size];
            for (long seq = 0; seq < 200; seq++)
            {
                pattern.Fill(a, seq);
                pattern.Fill(b, seq + 1);
                Assert.NotEqual(a, b);
            }
        }
    }

    private static System.Buffers.ReadOnlySequence<byte> TwoSegments(byte[] bytes, int cut)
    {
        var first = new Segment(bytes.AsMemory(0, cut), 0);
        var second = new Segment(bytes.AsMemory(cut), cut);
        first.SetNext(second);
        return new System.Buffers.ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : System.Buffers.ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }

    [Fact]
    public void WritingAMessageIntoALargerBufferPutsTheTrailerAtTheMessagesEnd()
    {
        var pattern = new MessagePattern(connection: 1, size: 8, FramingMode.Line);
        var output = new System.Buffers.ArrayBufferWriter<byte>(4096);

        pattern.Write(output, 5);

        Assert.Equal(9, output.WrittenCount);
        Assert.Equal((byte)'\n', output.WrittenSpan[^1]);
    }

    [Fact]
    public void WithAnEmbeddedServerTheCpusAreSplitSoClientAndServerNeverShareACore()
    {
        CoreSplit split = CoreSplit.For([0, 1, 2, 3], embeddedServer: true, threads: null);

        Assert.Equal([0, 1], split.ServerCpus);
        Assert.Equal([2, 3], split.ClientCpus);
        Assert.Equal(2, split.ClientThreads);
    }

    [Fact]
    public void AgainstARemoteServerOrOnOneCpuNothingIsPinnedAndThreadsDefaultToTheCpus()
    {
        CoreSplit remote = CoreSplit.For([0, 1, 2, 3], embeddedServer: false, threads: null);
        Assert.Empty(remote.ServerCpus);
        Assert.Empty(remote.ClientCpus);
        Assert.Equal(4, remote.ClientThreads);
        CoreSplit single = CoreSplit.For([5], embeddedServer: true, threads: 3);
        Assert.Empty(single.ServerCpus);
        Assert.Empty(single.ClientCpus);
        Assert.Equal(3, single.ClientThreads);
    }

    [Theory]
    [InlineData("0-1", new[] { 0, 1 })]
    [InlineData("1", new[] { 1 })]
    [InlineData("0-2,6,8-9\n", new[] { 0, 1, 2, 6, 8, 9 })]
    public void LinuxCpuListsAreParsed(string list, int[] cpus) => Assert.Equal(cpus, CoreSplit.Parse(list));
}
