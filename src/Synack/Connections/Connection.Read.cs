using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Synack.Errors;
using Synack.Framing;

namespace Synack.Connections;

public sealed partial class Connection
{
    /// <summary>
    /// readn: fills <paramref name="destination"/> completely, however the bytes arrive (never returns short).
    /// </summary>
    /// <returns><c>true</c> when filled; <c>false</c> when the stream ended cleanly before the first byte.</returns>
    /// <exception cref="SynackException"><see cref="ErrorKind.TruncatedFrame"/> when the stream ends part-way; reset or closed connection.</exception>
    public ValueTask<bool> ReadExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        // The bytes are often buffered already: copy them out with no frame reader, no state machine and no allocation.
        // An async echo client reading 32 B replies spent about 8 % of its samples in the frame reader's steps and
        // allocated two objects per message (perf, `EchoServers async-client`, docs/benchmarks.md). Anything else (too
        // few bytes, a cancel, the end of the stream) takes the full path, which handles the drain, the frame clock and
        // truncation.
        if (destination.IsEmpty)
        {
            return new ValueTask<bool>(true);
        }

        if (!cancellationToken.IsCancellationRequested && _engine.TryReadExactly(destination.Span))
        {
            OnFrameEnded();
            return new ValueTask<bool>(true);
        }

        return ReadExactlySlowAsync(destination, cancellationToken);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadExactlySlowAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        // One reader per connection, made at the first wait and kept while the length repeats (a client reading fixed-size
        // replies waits on every message at (b): two objects per message otherwise).
        // It is kept by the engine (engines with pipes have the slot), so the inline engine's connections do not grow.
        FrameReader<ReadOnlySequence<byte>> reader;
        if (_engine.ReaderSlot is FrameReader<ReadOnlySequence<byte>> { Decoder: FixedLengthCodec codec } kept && codec.FrameLength == destination.Length)
        {
            reader = kept;
        }
        else
        {
            reader = new FrameReader<ReadOnlySequence<byte>>(this, new FixedLengthCodec(destination.Length));
            _engine.ReaderSlot = reader;
        }

        reader.Reset();
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        reader.Current.CopyTo(destination.Span);
        reader.Release();
        return true;
    }

    /// <summary>
    /// readline: reads one line terminated by LF (a CR before the LF is removed) and decodes it as UTF-8.
    /// </summary>
    /// <param name="maxLength">The longest line accepted, terminator excluded. Default 8 KiB.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The line without its terminator, or <c>null</c> at a clean end-of-stream.</returns>
    /// <exception cref="SynackException"><see cref="ErrorKind.LimitExceeded"/> for a longer line (the connection is aborted),
    /// <see cref="ErrorKind.TruncatedFrame"/> when the stream ends inside a line; reset or closed connection.</exception>
    public async ValueTask<string?> ReadLineAsync(int maxLength = FrameLimits.DefaultMaxLineLength, CancellationToken cancellationToken = default)
    {
        var reader = new FrameReader<ReadOnlySequence<byte>>(this, new LineCodec(LineEnding.Lf, maxLength));
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        string line = Encoding.UTF8.GetString(reader.Current);
        reader.Release();
        return line;
    }

    /// <summary>readline with the default maximum length (8 KiB): <c>ReadLineAsync(token)</c> (see the overload above).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The line without its terminator, or <c>null</c> at a clean end-of-stream.</returns>
    public ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) =>
        ReadLineAsync(FrameLimits.DefaultMaxLineLength, cancellationToken);

    /// <summary>Sends <paramref name="line"/> as UTF-8 followed by LF, as one unit (see <see cref="SendAsync"/>).</summary>
    public ValueTask SendLineAsync(string line, CancellationToken cancellationToken = default) =>
        SendFrameAsync(new LineCodec(LineEnding.Lf), Encoding.UTF8.GetBytes(line).AsMemory(), cancellationToken);

    /// <summary>Creates a reader of frames decoded by <paramref name="decoder"/>. Use one reader per connection at a time.</summary>
    public FrameReader<T> CreateFrameReader<T>(IFrameDecoder<T> decoder) => new(this, decoder);

    /// <summary>Creates a writer of frames encoded by <paramref name="encoder"/>. Any number may be used concurrently.</summary>
    public FrameWriter<T> CreateFrameWriter<T>(IFrameEncoder<T> encoder) => new(this, encoder);

    int IFrameHost.MaxReadBufferSize => Options.MaxReadBufferSize;

    bool IFrameHost.IsStopRequested => IsStopRequested;

    bool IFrameHost.TryEnterIdle() => TryEnterIdle();

    void IFrameHost.SetIdle(bool idle) => SetIdle(idle);

    void IFrameHost.OnFrameIncomplete(long buffered, long frameLength)
    {
        _engine.AcceptedFrameLength = frameLength;
        OnFrameIncomplete(buffered);
    }

    void IFrameHost.OnFrameEnded() => OnFrameEnded();

    SynackException? IFrameHost.ClosingError() => CloseReason is not CloseReason.None and not CloseReason.RemoteFin
        ? new SynackException(ErrorKind.Closed, "read", $"connection is closing ({CloseReason})", LocalEndPoint, RemoteEndPoint)
        : null;

    SynackException IFrameHost.OnDecodeError(SynackException error)
    {
        AbortOnBadInput(error.Kind);
        return new SynackException(error.Kind, "read", error.Detail, LocalEndPoint, RemoteEndPoint, error.SocketError, error, Metrics);
    }
}
