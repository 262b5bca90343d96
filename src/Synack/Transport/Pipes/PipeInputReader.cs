using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Synack.Transport.Pipes;

/// <summary>
/// The pipes engine's <see cref="PipeReader"/>: the input pipe's reader, which also tells the engine how far the reader
/// consumed and examined, so the receive pump reads only one read (<see cref="Connections.ConnectionOptions.MaxUnjudgedBytes"/>)
/// past what the reader has looked at, or the rest of a frame whose header was accepted (issue 14, problem 2). A pipe
/// knows its unconsumed bytes but does not say; this wrapper counts them at each <see cref="AdvanceTo(SequencePosition, SequencePosition)"/>
/// (two O(1) slices of the buffer read, no allocation). One reader at a time, as for any pipe.
/// </summary>
internal sealed class PipeInputReader(PipesEngine engine, PipeReader inner) : PipeReader
{
    private ReadOnlySequence<byte> _last; // the buffer of the last read, until AdvanceTo

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ValueTask<ReadResult> read = inner.ReadAsync(cancellationToken);
        if (read.IsCompletedSuccessfully)
        {
            ReadResult result = read.Result;
            _last = result.Buffer;
            return new ValueTask<ReadResult>(result);
        }

        return AwaitAsync(read);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (inner.TryRead(out result))
        {
            _last = result.Buffer;
            return true;
        }

        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        // Measured before the pipe's AdvanceTo, which recycles the consumed segments (their running indexes with them).
        ReadOnlySequence<byte> last = _last;
        long consumedBytes = last.Slice(last.Start, consumed).Length;
        long examinedBytes = last.Slice(last.Start, examined).Length;
        inner.AdvanceTo(consumed, examined);
        _last = default;
        engine.OnInputAdvanced(consumedBytes, examinedBytes);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        inner.Complete(exception);
        engine.OnReaderCompleted();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AwaitAsync(ValueTask<ReadResult> read)
    {
        ReadResult result = await read.ConfigureAwait(false);
        _last = result.Buffer;
        return result;
    }
}
