using System.Buffers;
using System.Text;
using RespServer;
using Synack.Testing.Framing;

namespace Synack.FunctionalTests.Samples;

/// <summary>The RESP sample's handler over scripted buffers: what it allocates and how it treats segmented input.</summary>
public sealed class RespHandlerTests
{
    private static byte[] Commands(string verb, int keys, Func<int, string[]> arguments)
    {
        var text = new StringBuilder();
        for (int i = 0; i < keys; i++)
        {
            string[] words = [verb, .. arguments(i)];
            text.Append($"*{words.Length}\r\n");
            foreach (string word in words)
            {
                text.Append($"${word.Length}\r\n{word}\r\n");
            }
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static long Serve(RespHandler handler, ReadOnlySequence<byte> input, IBufferWriter<byte> output) =>
        handler.OnReceived(null!, input, output); // the handler touches the connection only for QUIT

    [Fact]
    public void AThousandSetsAndGetsOfExistingKeysAllocateNothing()
    {
        var handler = new RespHandler(new KeyValueStore());
        byte[] sets = Commands("SET", 16, i => [$"key:{i:D12}", "xxx"]);   // redis-benchmark's key and value sizes
        byte[] gets = Commands("GET", 16, i => [$"key:{i:D12}"]);
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        for (int warm = 0; warm < 200; warm++)                                  // adds the keys; past tier-0 JIT
        {
            Serve(handler, new ReadOnlySequence<byte>(sets), output);
            Serve(handler, new ReadOnlySequence<byte>(gets), output);
            output.ResetWrittenCount();
        }

        long consumed = 0, before = GC.GetAllocatedBytesForCurrentThread();
        for (int batch = 0; batch < 1000 / 16; batch++)
        {
            consumed += Serve(handler, new ReadOnlySequence<byte>(sets), output);
            consumed += Serve(handler, new ReadOnlySequence<byte>(gets), output);
            output.ResetWrittenCount();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1000 / 16 * (sets.Length + gets.Length), consumed);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void PipelinedCommandsCutAtAnyPointGetTheSameRepliesAsInOneBuffer()
    {
        byte[] script = [.. Commands("SET", 2, i => [$"k{i}", "value"]), .. "GET k1\r\nINCR n\r\n"u8, .. Commands("RPUSH", 1, _ => ["l", "a", "b"]), .. Commands("LRANGE", 1, _ => ["l", "0", "-1"])];
        string expected = Replies(Segments.Cut(script, []));
        Assert.Equal("+OK\r\n+OK\r\n$5\r\nvalue\r\n:1\r\n:2\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n", expected);

        foreach (List<byte[]> chunks in Segments.EverySplitPoint(script))
        {
            Assert.Equal(expected, Replies(chunks));
        }

        Assert.Equal(expected, Replies(Segments.OneByteAtATime(script)));
    }

    /// <summary>Feeds the chunks as a connection does: each call sees what the last left unconsumed plus the new chunk, as one multi-segment sequence.</summary>
    private static string Replies(List<byte[]> chunks)
    {
        var handler = new RespHandler(new KeyValueStore());
        var output = new ArrayBufferWriter<byte>();
        byte[] unconsumed = [];
        foreach (byte[] chunk in chunks)
        {
            ReadOnlySequence<byte> input = Segments.Sequence([unconsumed, chunk]);
            long consumed = Serve(handler, input, output);
            unconsumed = input.Slice(consumed).ToArray();
        }

        Assert.Empty(unconsumed);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }
}
