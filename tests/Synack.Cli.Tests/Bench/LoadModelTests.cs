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
