using System.Buffers;

namespace Synack.Connections;

public sealed partial class Connection
{
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
    public bool TryWrite<TState>(Action<IBufferWriter<byte>, TState> write, TState state) => TryWrite(write, state, out _);

    /// <summary>
    /// <see cref="TryWrite{TState}(Action{IBufferWriter{byte}, TState}, TState)"/> that also says why it did not write
    /// (issue 15: a broadcast must tell a slow consumer, to be skipped or disconnected, from a send in progress, to be
    /// retried): <see cref="WriteRefusal.Backpressure"/>, <see cref="WriteRefusal.Busy"/> or <see cref="WriteRefusal.Closed"/>;
    /// <see cref="WriteRefusal.None"/> when it wrote.
    /// </summary>
    public bool TryWrite<TState>(Action<IBufferWriter<byte>, TState> write, TState state, out WriteRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(write);
        refusal = IsOutputCompleted || CloseReason is not (CloseReason.None or CloseReason.RemoteFin) ? WriteRefusal.Closed
            : _engine.TryWrite(write, state);
        return refusal == WriteRefusal.None;
    }
}
