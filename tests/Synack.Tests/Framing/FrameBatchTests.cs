using System.Buffers;
using System.IO.Pipelines;
using Synack.Framing;

namespace Synack.Tests.Framing;

/// <summary>A whole read's frames at a time over scripted pipes: <see cref="FrameReader{T}.TryRead"/> and <see cref="FrameWriter{T}.BeginBatchAsync"/>.</summary>
public sealed class FrameBatchTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TryReadCutsOnlyTheFramesAlreadyBufferedAndLeavesAPartialOneForReadAsync()
    {
        var pipe = new Pipe();
        var codec = new FixedLengthCodec(4);
        var reader = new FrameReader<ReadOnlySequence<byte>>(pipe.Reader, codec);
        Assert.False(reader.TryRead()); // nothing held yet: ReadAsync first

        await pipe.Writer.WriteAsync("aaaabbbbcc"u8.ToArray());
        Assert.True(await reader.ReadAsync());
        Assert.Equal("aaaa"u8.ToArray(), reader.Current.ToArray());
        Assert.True(reader.TryRead());
        Assert.Equal("bbbb"u8.ToArray(), reader.Current.ToArray());
        Assert.False(reader.TryRead()); // "cc" is half a frame
        Assert.Equal("bbbb"u8.ToArray(), reader.Current.ToArray()); // the frame held stays

        ValueTask<bool> next = reader.ReadAsync();
        await pipe.Writer.WriteAsync("cc"u8.ToArray());
        Assert.True(await next.AsTask().WaitAsync(Bound));
        Assert.Equal("cccc"u8.ToArray(), reader.Current.ToArray());

        pipe.Writer.Complete();
        Assert.False(await reader.ReadAsync().AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task ABatchsFramesReachThePipeOnlyWhenItIsDisposedAndInTheOrderWritten()
    {
        var pipe = new Pipe();
        var codec = new LengthFieldCodec(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.Two });
        var writer = new FrameWriter<ReadOnlyMemory<byte>>(pipe.Writer, codec);

        FrameBatch<ReadOnlyMemory<byte>> batch = await writer.BeginBatchAsync();
        batch.Write("one"u8.ToArray());
        batch.Write("two"u8.ToArray());
        Assert.False(pipe.Reader.TryRead(out _)); // nothing flushed yet
        await batch.DisposeAsync();

        ReadResult read = await pipe.Reader.ReadAsync();
        Assert.Equal(new byte[] { 0, 3, (byte)'o', (byte)'n', (byte)'e', 0, 3, (byte)'t', (byte)'w', (byte)'o' }, read.Buffer.ToArray());
        pipe.Reader.AdvanceTo(read.Buffer.End);

        await writer.WriteAsync("3"u8.ToArray()).AsTask().WaitAsync(Bound); // the batch gave its lock back
    }

    [Fact]
    public async Task AFrameTheCodecRefusesThrowsFromWriteAndTheBatchStillSendsWhatCameBefore()
    {
        var pipe = new Pipe();
        var codec = new FixedLengthCodec(2);
        var writer = new FrameWriter<ReadOnlyMemory<byte>>(pipe.Writer, codec);

        await using (FrameBatch<ReadOnlyMemory<byte>> batch = await writer.BeginBatchAsync())
        {
            batch.Write("ok"u8.ToArray());
            Assert.Throws<ArgumentException>(() => batch.Write("too long"u8.ToArray()));
        }

        ReadResult read = await pipe.Reader.ReadAsync();
        Assert.Equal("ok"u8.ToArray(), read.Buffer.ToArray());
    }

    [Fact]
    public void ABatchNotBegunByAWriterRefusesToWrite() =>
        Assert.Throws<InvalidOperationException>(() => default(FrameBatch<ReadOnlyMemory<byte>>).Write("x"u8.ToArray()));
}
