using System.IO.Pipelines;

namespace Synack.Framing;

/// <summary>
/// Several frames sent as one unit under one take of the send lock (<see cref="FrameWriter{T}.BeginBatchAsync"/>): each
/// <see cref="Write"/> only encodes into the output, and disposing flushes them together and releases the lock. Netty's
/// write() then flush() is the precedent. A handler that answers every frame of a read saves the lock, the flush and the
/// checks of one <see cref="FrameWriter{T}.WriteAsync"/> per frame (docs/benchmarks.md, stop 21).
/// </summary>
/// <remarks>
/// Other writers on the connection wait while a batch is open, so keep it to what is at hand: no awaits on the peer
/// between <see cref="FrameWriter{T}.BeginBatchAsync"/> and <see cref="DisposeAsync"/>. Dispose it exactly once
/// (<c>await using</c>). A read that fails inside the batch (a malformed or oversize frame aborts the connection) is
/// followed by the batch's own error when it is disposed: a closed connection, whose message and
/// <see cref="Connections.Connection.CloseReason"/> name the cause.
/// </remarks>
/// <typeparam name="T">The frame type.</typeparam>
public readonly struct FrameBatch<T> : IAsyncDisposable
{
    private readonly FrameWriter<T> _writer;
    private readonly PipeWriter _output;

    internal FrameBatch(FrameWriter<T> writer, PipeWriter output)
    {
        _writer = writer;
        _output = output;
    }

    /// <summary>Encodes one frame into the batch (sent at <see cref="DisposeAsync"/>).</summary>
    /// <exception cref="ArgumentException">The frame does not fit the codec (too long, or not its fixed length).</exception>
    public void Write(T frame)
    {
        if (_writer is null)
        {
            throw new InvalidOperationException("This batch was not begun by FrameWriter.BeginBatchAsync.");
        }

        _writer.Encoder.Encode(frame, _output);
        _writer.OnFrameWritten();
    }

    /// <summary>Sends the batch's frames and releases the send lock.</summary>
    /// <exception cref="Errors.SynackException">The connection was reset or closed for sending.</exception>
    public ValueTask DisposeAsync() => _writer is null ? default : _writer.EndBatchAsync(_output);
}
