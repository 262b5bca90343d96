namespace Synack.Connections;

/// <summary>
/// Why <see cref="Connection.TryWrite{TState}(Action{System.Buffers.IBufferWriter{byte}, TState}, TState, out WriteRefusal)"/>
/// did not write (issue 15): a slow peer and a moment's contention call for different answers, so they are told apart.
/// </summary>
/// <remarks>
/// <code>
///  refusal        what it means                                        what a broadcaster usually does
///  -------------  ---------------------------------------------------  ------------------------------------------
///  None           written                                              -
///  Backpressure   MaxPendingSendBytes still wait for the peer          skip it, or disconnect it (Netty: !isWritable,
///                 (it does not read fast enough)                       NetCoreServer: BytesPending over a bound)
///  Busy           another send holds the connection's send lock now    try again in a moment
///  Closed         closed for sending (closing, half-closed, failed)    forget it
/// </code>
/// <see cref="Busy"/> is exact on the inline epoll engine (its lock is held only for the length of a handler call). On
/// the other engines the send lock may also be held by the application's own send that waits for a slow peer: a
/// connection that stays <see cref="Busy"/> may be a slow one whose sends do not go through TryWrite.
/// </remarks>
public enum WriteRefusal
{
    /// <summary>Nothing refused: the write was made.</summary>
    None = 0,

    /// <summary>More than <see cref="ConnectionOptions.MaxPendingSendBytes"/> are still waiting for the peer to read them.</summary>
    Backpressure,

    /// <summary>Another send to this connection is in progress (its send lock is taken); TryWrite never waits for it.</summary>
    Busy,

    /// <summary>The connection is closed for sending: closing, half-closed, reset or aborted.</summary>
    Closed,
}
