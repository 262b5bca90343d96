using System.Buffers;
using System.IO.Pipelines;

namespace Synack.Transport.Pipes;

/// <summary>
/// <see cref="Connections.Connection.TryWrite{TState}"/> on pipes: the whole send lock is taken without waiting, and a
/// flush that cannot complete (past <see cref="Connections.ConnectionOptions.MaxPendingSendBytes"/>) keeps it until the
/// peer has caught up, so later calls return false instead of queueing more.
/// </summary>
internal sealed partial class PipesEngine
{
    private int _tryWriteFlushing; // a TryWrite's flush has not completed (the pending-send cap is reached)

    public override bool TryWrite<TState>(Action<IBufferWriter<byte>, TState> write, TState state)
    {
        if (Volatile.Read(ref _tryWriteFlushing) != 0 || Volatile.Read(ref _completeOutput) is not null || !_sendLock.Wait(0))
        {
            return false;
        }

        bool released = false;
        try
        {
            PipeWriter output = _output.Writer;
            write(output, state);
            ValueTask<FlushResult> flush = output.FlushAsync();
            if (!flush.IsCompleted)
            {
                Volatile.Write(ref _tryWriteFlushing, 1);
                released = true;
                _ = FinishFlushAsync(flush);
            }

            return true;
        }
        finally
        {
            if (!released)
            {
                _sendLock.Release();
            }
        }
    }

    private async Task FinishFlushAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            await flush.ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or Errors.SynackException or OperationCanceledException)
        {
            // The connection failed meanwhile: its close reason says so.
        }
        finally
        {
            Volatile.Write(ref _tryWriteFlushing, 0);
            _sendLock.Release();
        }
    }
}
