using System.Buffers;
using System.IO.Pipelines;

namespace Synack.Connections;

public sealed partial class Connection
{
    private int _tryWriteFlushing; // pipes: a TryWrite's flush has not completed (the pending-send cap is reached)

    /// <summary>
    /// Writes to the connection without waiting, from any thread: <paramref name="write"/> is called at once on this
    /// thread with a buffer, and what it writes is sent as one unit (never interleaved with other sends). On an inline
    /// connection it runs under the connection's lock, so never at the same time as the handler's calls: it may use the
    /// handler's state (a pacer, a broadcast, a push). Returns false, without calling <paramref name="write"/>, when the
    /// connection cannot take it now: closed for sending, another send in progress (pipes), or more than
    /// <see cref="ConnectionOptions.MaxPendingSendBytes"/> still waiting for a slow peer. The caller then decides, as with
    /// Netty's <c>isWritable</c>: drop the message, or disconnect the slow consumer.
    /// </summary>
    /// <remarks>A failure of the send itself (reset) surfaces through the close reason and the handler, not here.</remarks>
    public bool TryWrite<TState>(Action<IBufferWriter<byte>, TState> write, TState state)
    {
        ArgumentNullException.ThrowIfNull(write);
        return IsInline ? TryWriteInline(write, state) : TryWritePipes(write, state);
    }

    private bool TryWriteInline<TState>(Action<IBufferWriter<byte>, TState> write, TState state)
    {
        if (!TryEnterGate())
        {
            return false; // called from another connection's handler while this one is busy: never wait on a loop thread
        }

        try
        {
            if (!_inlineStarted || _inlineFinPending || _inlineSocketClosed || Volatile.Read(ref _finSent) != 0
                || (_queuedOutput is not null && _queuedEnd - _queuedStart > Options.MaxPendingSendBytes))
            {
                return false;
            }

            // A handler call on this thread may be using this thread's output (it holds another connection's lock).
            InlineOutput output = t_gatesHeld > 1 ? new InlineOutput() : InlineBuffers.Current.Output;
            write(output, state);
            SendOutput(output);
            TrySendFin();
            return true;
        }
        finally
        {
            ExitGate();
        }
    }

    private bool TryWritePipes<TState>(Action<IBufferWriter<byte>, TState> write, TState state)
    {
        if (Volatile.Read(ref _tryWriteFlushing) != 0 || !_sendLock!.Wait(0))
        {
            return false;
        }

        bool released = false;
        try
        {
            if (CloseReason is not CloseReason.None and not CloseReason.RemoteFin || IsOutputCompleted)
            {
                return false;
            }

            PipeWriter output = _output!.Writer;
            write(output, state);
            ValueTask<FlushResult> flush = output.FlushAsync();
            if (!flush.IsCompleted)
            {
                // Past the pause threshold (MaxPendingSendBytes): hold the send lock until the peer has caught up.
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
            _sendLock!.Release();
        }
    }
}
