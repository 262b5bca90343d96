using System.Buffers;
using System.IO.Pipelines;
using Synack.Connections;

namespace Synack.Transport.Pipes;

/// <summary>
/// <see cref="Connections.Connection.TryWrite{TState}(Action{System.Buffers.IBufferWriter{byte}, TState}, TState, out Connections.WriteRefusal)"/> over a <see cref="PipeWriter"/> (the pipes and direct engines):
/// the whole send lock is taken without waiting, and a flush that cannot complete (past
/// <see cref="Connections.ConnectionOptions.MaxPendingSendBytes"/>) keeps it until the peer has caught up, so later calls
/// return false instead of queueing more. Made on a connection's first TryWrite.
/// </summary>
internal sealed class PipeTryWriter(SendGate sendLock, PipeWriter output)
{
    private int _flushing; // a TryWrite's flush has not completed (the pending-send cap is reached)

    /// <summary>
    /// Writes and flushes, or says why not: <see cref="WriteRefusal.Backpressure"/> while an earlier TryWrite's flush waits
    /// for the peer (past the cap), <see cref="WriteRefusal.Busy"/> while another send holds the lock.
    /// </summary>
    public WriteRefusal TryWrite<TState>(Action<IBufferWriter<byte>, TState> write, TState state)
    {
        if (Volatile.Read(ref _flushing) != 0)
        {
            return WriteRefusal.Backpressure;
        }

        if (!sendLock.TryEnter())
        {
            // Checked again: the flush that held the lock may have found the cap reached and kept it (FinishFlushAsync).
            return Volatile.Read(ref _flushing) != 0 ? WriteRefusal.Backpressure : WriteRefusal.Busy;
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

            return WriteRefusal.None;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or Errors.SynackException)
        {
            return WriteRefusal.None; // written, but the connection failed meanwhile: its close reason says so
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
