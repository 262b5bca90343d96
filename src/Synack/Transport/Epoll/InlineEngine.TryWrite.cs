using System.Buffers;

namespace Synack.Transport.Epoll;

/// <summary>
/// <see cref="Connections.Connection.TryWrite{TState}"/> on the inline engine: under the connection's lock (never beside
/// a handler call), sent at once with the same send() path as a handler's reply.
/// </summary>
internal sealed partial class InlineEngine
{
    public override bool TryWrite<TState>(Action<IBufferWriter<byte>, TState> write, TState state)
    {
        if (!TryEnterGate())
        {
            return false; // called from another connection's handler while this one is busy: never wait on a loop thread
        }

        try
        {
            if (!_inlineStarted || _inlineFinPending || _inlineSocketClosed || IsFinSent
                || (_queuedOutput is not null && _queuedEnd - _queuedStart > Options.MaxPendingSendBytes))
            {
                return false;
            }

            InlineOutput output = OutputForThisThread();
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
}
