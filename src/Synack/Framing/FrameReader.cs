using System.Buffers;
using System.IO.Pipelines;
using Synack.Connections;
using Synack.Errors;

namespace Synack.Framing;

/// <summary>
/// The one loop that turns a byte stream into frames: it owns <c>AdvanceTo</c>, end-of-stream and the buffering limit,
/// and asks an <see cref="IFrameDecoder{T}"/> to cut frames. Every codec gets the same guarantees from it.
/// </summary>
/// <remarks>
/// <code>
///  ReadAsync ──► release previous frame ──► decoder.TryDecode(buffered)
///                   ├─ frame           → Current = frame, return true  (frame valid until the next ReadAsync)
///                   ├─ need more       → buffered &gt; MaxFrameLength?  → LimitExceeded (connection aborted, RST)
///                   │                    header accepted (IFrameLengthDecoder) → the host may buffer the whole frame
///                   │                    end of stream, nothing buffered → return false   (clean EOF, not an error)
///                   │                    end of stream, bytes buffered   → TruncatedFrame
///                   │                    otherwise await more bytes
///                   └─ decoder throws  → ProtocolError / LimitExceeded (connection aborted, RST)
/// </code>
/// On a connection owned by a draining server, <see cref="ReadAsync"/> returns <c>false</c> at the next frame boundary
/// (nothing partial buffered), so in-flight frames finish and idle connections close. Not thread-safe: one reader.
/// </remarks>
/// <typeparam name="T">The frame type.</typeparam>
public sealed class FrameReader<T>
{
    private readonly PipeReader _input;
    private readonly IFrameDecoder<T> _decoder;
    private readonly IFrameLengthDecoder<T>? _lengthDecoder; // the same decoder, when it reports an accepted header's length
    private readonly IFrameHost? _owner;
    private SequencePosition _consumed;
    private ReadOnlySequence<byte> _rest; // what follows the held frame in the buffer it came from (valid until the next AdvanceTo)
    private bool _holdingFrame;
    private long _bufferedAfterFrame;
    private T _current = default!;

    /// <summary>Reads frames from a bare pipe (in-memory use and tests).</summary>
    public FrameReader(PipeReader input, IFrameDecoder<T> decoder)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        _lengthDecoder = decoder as IFrameLengthDecoder<T>;
    }

    /// <summary>Reads frames from a connection: errors abort it with the matching close reason, and drain is honoured.</summary>
    public FrameReader(Connection connection, IFrameDecoder<T> decoder)
        : this((connection ?? throw new ArgumentNullException(nameof(connection))).Input, decoder)
    {
        _owner = connection;
    }

    /// <summary>The decoder that cuts the frames.</summary>
    internal IFrameDecoder<T> Decoder => _decoder;

    /// <summary>The last frame read. Slices of the input stay valid until the next <see cref="ReadAsync"/> or <see cref="Release"/>.</summary>
    public T Current => _holdingFrame ? _current : throw new InvalidOperationException("No frame is held: call ReadAsync first.");

    /// <summary>Reads the next frame into <see cref="Current"/>.</summary>
    /// <returns><c>true</c> with a frame; <c>false</c> at a clean end-of-stream (or a server drain at a frame boundary).</returns>
    /// <exception cref="SynackException">Malformed (<see cref="ErrorKind.ProtocolError"/>), oversize
    /// (<see cref="ErrorKind.LimitExceeded"/>) or truncated (<see cref="ErrorKind.TruncatedFrame"/>) input; reset or closed connection.</exception>
    public ValueTask<bool> ReadAsync(CancellationToken cancellationToken = default) =>
        !cancellationToken.IsCancellationRequested && TryRead() ? new ValueTask<bool>(true) : ReadSlowAsync(cancellationToken);

    /// <summary>
    /// Reads the next frame into <see cref="Current"/> only if it is already buffered behind the one held, without
    /// waiting: <c>false</c> when <see cref="ReadAsync"/> must wait for more bytes (the frame held stays
    /// <see cref="Current"/>). With <see cref="FrameWriter{T}.BeginBatchAsync"/>, a handler answers every frame of a read
    /// in one send.
    /// </summary>
    /// <exception cref="SynackException">Malformed (<see cref="ErrorKind.ProtocolError"/>) or oversize (<see cref="ErrorKind.LimitExceeded"/>) input.</exception>
    /// <remarks>
    /// The next frame is often in the buffer the last one came from: it is cut there, synchronously, without giving the
    /// bytes back to the pipe and reading them again (one pipe round trip and one async step per batch of input, not per
    /// frame: the framed echo's per-frame cost, docs/benchmarks.md). The buffer stays valid: nothing was advanced.
    /// </remarks>
    public bool TryRead()
    {
        if (!_holdingFrame || _bufferedAfterFrame <= 0)
        {
            return false;
        }

        ReadOnlySequence<byte> rest = _rest;
        _holdingFrame = false; // a decode error advances the pipe itself: a later Release must not advance again
        if (TryDecode(rest, out T frame, out SequencePosition consumed, out _))
        {
            _owner?.OnFrameEnded();
            _current = frame;
            _consumed = consumed;
            _holdingFrame = true;
            _rest = rest.Slice(consumed); // kept, not sliced again from the buffer's start by the next read
            _bufferedAfterFrame = _rest.Length;
            return true;
        }

        _holdingFrame = true; // incomplete: the slow path releases what was consumed and reads more
        return false;
    }

    // Pooled boxes (also on WaitForBytesAsync, ReadExactlySlowAsync and LockedSend's slow paths): a read that waits for
    // the next edge allocated a box per awaiting method per message; the per-message async client (b) waits every time.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadSlowAsync(CancellationToken cancellationToken)
    {
        Release();
        while (true)
        {
            // Idle means: at a frame boundary with nothing buffered. Only then may a draining server end the stream here.
            ReadResult result;
            if (_owner is null || _bufferedAfterFrame != 0 || !_input.TryRead(out result))
            {
                ReadResult? waited = await WaitForBytesAsync(cancellationToken).ConfigureAwait(false);
                if (waited is not { } got)
                {
                    return false; // draining, and idle at a frame boundary
                }

                result = got;
                if (result.IsCanceled && _owner is { IsStopRequested: true } && result.Buffer.IsEmpty)
                {
                    _input.AdvanceTo(result.Buffer.Start);
                    return false;
                }
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            if (result.IsCanceled && _owner?.ClosingError() is { } closing)
            {
                _input.AdvanceTo(buffer.Start);
                throw closing;
            }

            if (TryDecode(buffer, out T frame, out SequencePosition consumed, out long frameLength))
            {
                _owner?.OnFrameEnded();
                _current = frame;
                _consumed = consumed;
                _rest = buffer.Slice(consumed);
                _holdingFrame = true;
                _bufferedAfterFrame = _rest.Length;
                return true;
            }

            _bufferedAfterFrame = buffer.Length;
            if (buffer.Length > _decoder.MaxFrameLength)
            {
                _input.AdvanceTo(buffer.Start); // (nothing examined: an engine must not read on for a connection being aborted)
                throw Fail(SynackException.Limit(
                    $"{buffer.Length} bytes buffered without a complete frame; the maximum frame length is {_decoder.MaxFrameLength}"));
            }

            if (_owner is not null && buffer.Length >= _owner.MaxReadBufferSize)
            {
                _input.AdvanceTo(buffer.Start);
                throw Fail(SynackException.Limit(
                    $"{buffer.Length} bytes buffered without a complete frame; the read buffer cap is {_owner.MaxReadBufferSize}"));
            }

            if (result.IsCompleted)
            {
                _input.AdvanceTo(buffer.End);
                if (buffer.IsEmpty)
                {
                    return false;
                }

                throw Fail(SynackException.Truncated(buffer.Length));
            }

            if (!buffer.IsEmpty)
            {
                // Starts the frame clock (FrameReadTimeout, MinReceiveRate) and, for an accepted header, lets the engine
                // buffer the whole frame (unjudged input is held to one read: ConnectionOptions.MaxUnjudgedBytes).
                _owner?.OnFrameIncomplete(buffer.Length, frameLength);
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Releases the held frame's bytes back to the pipe. Called by <see cref="ReadAsync"/>; call it yourself to stop reading early.</summary>
    public void Release()
    {
        if (_holdingFrame)
        {
            _holdingFrame = false;
            _current = default!;
            _rest = default;
            _input.AdvanceTo(_consumed);
        }
    }

    /// <summary>Starts afresh, as a new reader on the same input would (nothing held, no frame begun): for a reused reader.</summary>
    internal void Reset()
    {
        Release();
        _bufferedAfterFrame = 0;
    }

    /// <summary>Awaits bytes, marking the connection idle while at a frame boundary. Null: stop requested while idle.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult?> WaitForBytesAsync(CancellationToken cancellationToken)
    {
        bool idle = _owner is not null && _bufferedAfterFrame == 0;
        if (idle && !_owner!.TryEnterIdle())
        {
            return null;
        }

        try
        {
            return await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (idle)
            {
                _owner!.SetIdle(false);
            }
        }
    }

    private bool TryDecode(ReadOnlySequence<byte> buffer, out T frame, out SequencePosition consumed, out long frameLength)
    {
        var reader = new SequenceReader<byte>(buffer);
        try
        {
            frameLength = 0;
            bool done = _lengthDecoder is { } lengthDecoder
                ? lengthDecoder.TryDecode(ref reader, out frame, out frameLength)
                : _decoder.TryDecode(ref reader, out frame);
            consumed = reader.Position;
            return done;
        }
        catch (SynackException e)
        {
            _input.AdvanceTo(buffer.Start); // nothing examined: the engine reads no further for a frame refused
            throw Fail(e);
        }
    }

    /// <summary>Adds the endpoints to a decode error and, on a connection, records the reason and aborts (RST) for bad input.</summary>
    private SynackException Fail(SynackException error) => _owner is null ? error : _owner.OnDecodeError(error);
}
