using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Synack.Errors;
using Synack.Framing;

namespace Synack.Tests.FrameLoop;

public sealed class FrameReaderTests
{
    private static async Task<List<string>> ReadAllLinesAsync(Pipe pipe, int maxLength = 100)
    {
        var reader = new FrameReader<ReadOnlySequence<byte>>(pipe.Reader, new LineCodec(LineEnding.Lf, maxLength));
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(Encoding.UTF8.GetString(reader.Current));
        }

        return lines;
    }

    [Fact]
    public async Task FramesArrivingInOneByteWritesAreReassembled()
    {
        var pipe = new Pipe();
        Task<List<string>> reading = ReadAllLinesAsync(pipe);
        foreach (byte b in "one\ntwo\r\nthree\n"u8.ToArray())
        {
            await pipe.Writer.WriteAsync(new[] { b });
        }

        await pipe.Writer.CompleteAsync();

        Assert.Equal(new[] { "one", "two", "three" }, await reading);
    }

    [Fact]
    public async Task CleanEndOfStreamBetweenFramesIsNotAnError()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("a\n"u8.ToArray());
        await pipe.Writer.CompleteAsync();

        Assert.Equal(new[] { "a" }, await ReadAllLinesAsync(pipe));
    }

    [Fact]
    public async Task EndOfStreamInsideAFrameIsATruncatedFrame()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("a\npartial"u8.ToArray());
        await pipe.Writer.CompleteAsync();

        var error = await Assert.ThrowsAsync<SynackException>(() => ReadAllLinesAsync(pipe));
        Assert.Equal(ErrorKind.TruncatedFrame, error.Kind);
        Assert.Contains("7 byte(s)", error.Message);
    }

    [Fact]
    public async Task BufferingPastTheMaximumWithoutAFrameFailsWithLimitExceeded()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[50]);
        Task<List<string>> reading = ReadAllLinesAsync(pipe, maxLength: 100);
        await pipe.Writer.WriteAsync(new byte[60]); // 110 bytes, still no newline

        var error = await Assert.ThrowsAsync<SynackException>(() => reading);
        Assert.Equal(ErrorKind.LimitExceeded, error.Kind);
    }

    [Fact]
    public async Task FixedLengthFramesAreCutExactlyAndTheStreamEndsCleanly()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("first\nsecond"u8.ToArray());
        await pipe.Writer.CompleteAsync();
        var reader = new FrameReader<ReadOnlySequence<byte>>(pipe.Reader, new FixedLengthCodec(6));

        Assert.True(await reader.ReadAsync());
        Assert.Equal("first\n", Encoding.UTF8.GetString(reader.Current));
        Assert.True(await reader.ReadAsync());
        Assert.Equal("second", Encoding.UTF8.GetString(reader.Current));
        Assert.False(await reader.ReadAsync());
        Assert.Throws<InvalidOperationException>(() => reader.Current);
    }

    [Fact]
    public async Task ConcurrentFrameWritersNeverInterleave()
    {
        var pipe = new Pipe();
        var writer = new FrameWriter<ReadOnlyMemory<byte>>(pipe.Writer, new LineCodec());
        var writers = Enumerable.Range(0, 8).Select(id => Task.Run(async () =>
        {
            byte[] line = Encoding.UTF8.GetBytes(new string((char)('a' + id), 500));
            for (int i = 0; i < 200; i++)
            {
                await writer.WriteAsync(line);
            }
        })).ToArray();
        Task<List<string>> reading = ReadAllLinesAsync(pipe, maxLength: 1000);

        await Task.WhenAll(writers);
        await pipe.Writer.CompleteAsync();
        List<string> lines = await reading;

        Assert.Equal(1600, lines.Count);
        Assert.All(lines, l => Assert.True(l.Length == 500 && l.All(c => c == l[0]), "interleaved line"));
    }
}
