using System.Buffers;
using Synack.Connections;

namespace Synack.Transport.Epoll;

/// <summary>
/// <see cref="Connections.Connection.TryWrite{TState}(Action{System.Buffers.IBufferWriter{byte}, TState}, TState, out Connections.WriteRefusal)"/> on the inline engine: under the connection's lock (never beside
/// a handler call), sent at once with the same send() path as a handler's reply.
/// </summary>
internal sealed partial class InlineEngine
{
    public override WriteRefusal TryWrite<TState>(Action<IBufferWriter<byte>, TState> write, TState state)
    {
        if (!TryEnterGate())
        {
            return WriteRefusal.Busy; // called from another connection's handler while this one is busy: never wait on a loop thread
        }

        try
        {
            if (!_inlineStarted || _inlineFinPending || _inlineSocketClosed || IsFinSent)
            {
                return WriteRefusal.Closed;
            }

            if (_queuedOutput is not null && _queuedEnd - _queuedStart > Options.MaxPendingSendBytes)
            {
                return WriteRefusal.Backpressure;
            }

            InlineOutput output = OutputForThisThread();
            write(output, state);
            SendOutput(output);
            TrySendFin();
            return WriteRefusal.None;
        }
        finally
        {
            ExitGate();
        }
    }
}
