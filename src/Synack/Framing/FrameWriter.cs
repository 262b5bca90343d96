using System.Buffers;
using System.IO.Pipelines;
using Synack.Connections;

namespace Synack.Framing;

/// <summary>
/// Encodes frames and sends each as a unit. Several tasks may write at once: frames never interleave, because each
/// frame is encoded and flushed under one lock (the connection's send lock, shared with <see cref="Connection.SendAsync"/>).
/// </summary>
/// <typeparam name="T">The frame type.</typeparam>
public sealed class FrameWriter<T>
{
    private readonly IFrameEncoder<T> _encoder;
    private readonly IFrameHost? _host;
    private readonly PipeWriter? _output;
    private readonly SemaphoreSlim? _lock;

    /// <summary>Writes frames to a connection.</summary>
    public FrameWriter(Connection connection, IFrameEncoder<T> encoder)
    {
        _host = connection ?? throw new ArgumentNullException(nameof(connection));
        _encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
    }

    /// <summary>Writes frames to a bare pipe (in-memory use and tests), serialized by a lock of its own.</summary>
    public FrameWriter(PipeWriter output, IFrameEncoder<T> encoder)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        _lock = new SemaphoreSlim(1, 1);
    }

    /// <summary>The encoder, for the writes <see cref="FrameWriterExtensions"/> adds.</summary>
    internal IFrameEncoder<T> Encoder => _encoder;

    /// <summary>Encodes and sends one frame, waiting while the pending-send cap is reached.</summary>
    /// <exception cref="Errors.SynackException">The connection was reset or closed, or the frame is too long for the codec.</exception>
    public ValueTask WriteAsync(T frame, CancellationToken cancellationToken = default) =>
        _host is not null ? SendAsync(_host, _encoder, frame, cancellationToken)
            : WriteAsync(static (output, s) => s.Encoder.Encode(s.Frame, output), (Encoder: _encoder, Frame: frame), cancellationToken);

    /// <summary>
    /// Writes one frame with <paramref name="write"/> (an encoder call) and sends it as a unit: on a connection under its
    /// send lock, counted as a frame; on a bare pipe under this writer's own lock.
    /// </summary>
    internal async ValueTask WriteAsync<TState>(Action<IBufferWriter<byte>, TState> write, TState state, CancellationToken cancellationToken)
    {
        if (_host is not null)
        {
            await LockedSend.WriteAsync(_host, static (output, s) =>
            {
                s.write(output, s.state);
                s.host.OnFrameSent();
            }, (write, state, host: _host), cancellationToken).ConfigureAwait(false);
            return;
        }

        await _lock!.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            write(_output!, state);
            await _output!.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Takes the send lock once for several frames: <see cref="FrameBatch{T}.Write"/> each, and disposing the batch sends
    /// them as one unit. For a handler that answers a whole read's frames at once (see <see cref="FrameReader{T}.TryRead"/>).
    /// </summary>
    /// <exception cref="Errors.SynackException">The connection is closed for sending.</exception>
    public ValueTask<FrameBatch<T>> BeginBatchAsync(CancellationToken cancellationToken = default)
    {
        if (_host is null)
        {
            return BeginPipeBatchAsync(cancellationToken);
        }

        ValueTask<PipeWriter> opening = LockedSend.OpenAsync(_host, cancellationToken);
        return opening.IsCompletedSuccessfully
            ? new ValueTask<FrameBatch<T>>(new FrameBatch<T>(this, opening.Result))
            : AwaitBatchAsync(opening);
    }

    /// <summary>A frame was encoded into a batch: counted as sent on a connection.</summary>
    internal void OnFrameWritten() => _host?.OnFrameSent();

    /// <summary>Flushes a batch and releases the lock it held.</summary>
    internal ValueTask EndBatchAsync(PipeWriter output) => _host is not null ? LockedSend.FlushAndReleaseAsync(_host, output) : EndPipeBatchAsync();

    private async ValueTask<FrameBatch<T>> AwaitBatchAsync(ValueTask<PipeWriter> opening) =>
        new(this, await opening.ConfigureAwait(false));

    private async ValueTask<FrameBatch<T>> BeginPipeBatchAsync(CancellationToken cancellationToken)
    {
        await _lock!.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new FrameBatch<T>(this, _output!);
    }

    private async ValueTask EndPipeBatchAsync()
    {
        try
        {
            await _output!.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _lock!.Release();
        }
    }

    /// <summary>Encodes <paramref name="frame"/> and sends it as one unit on <paramref name="host"/>, counting it.</summary>
    internal static ValueTask SendAsync(IFrameHost host, IFrameEncoder<T> encoder, T frame, CancellationToken cancellationToken) =>
        LockedSend.WriteAsync(host, static (output, state) =>
        {
            state.encoder.Encode(state.frame, output);
            state.host.OnFrameSent();
        }, (encoder, frame, host), cancellationToken);
}
