using System.Buffers;
using System.IO.Pipelines;

namespace Synack.Transport.Pipes;

/// <summary>
/// <see cref="Connections.Connection.TryWrite{TState}"/> over a <see cref="PipeWriter"/> (the pipes and direct engines):
/// the whole send lock is taken without waiting, and a flush that cannot complete (past
/// <see cref="Connections.ConnectionOptions.MaxPendingSendBytes"/>) keeps it until the peer has caught up, so later calls
/// return false instead of queueing more. Made on a connection's first TryWrite.
/// </summary>
internal sealed class PipeTryWriter(SemaphoreSlim sendLock, PipeWriter output)
{
    private int _flushing; // a TryWrite's flush has not completed (the pending-send cap is reached)

    public bool TryWrite<TState>(Action<IBufferWriter<byte>, TState> write, TState state)
    {
        if (Volatile.Read(ref _flushing) != 0 || !sendLock.Wait(0))
        {
            return false;
        }

        bool released = false;
        try
        {
            write(output, state);
            ValueTask<FlushResult> flush = output.FlushAsync();
            if (!flush.IsCompleted)
            {
                Volatile.Write(ref _flushing, 1);
                released = true;
                _ = FinishFlushAsync(flush);
            }
            else
            {
                _ = flush.Result; // observe a failure (reset): the close reason reports it
            }

            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or Errors.SynackException)
        {
            return true; // written, but the connection failed meanwhile: its close reason says so
        }
        finally
        {
            if (!released)
            {
                sendLock.Release();
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
            Volatile.Write(ref _flushing, 0);
            sendLock.Release();
        }
    }
}
