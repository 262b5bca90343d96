namespace Synack.Connections;

/// <summary>
/// Why a connection ended. Set once, by the first event that starts the end (first writer wins); later events never
/// overwrite it, except that <see cref="HandlerFault"/> replaces <see cref="RemoteFin"/> (see the remarks). Read it from <see cref="Connection.CloseReason"/> or await <see cref="Connection.Closed"/>.
/// </summary>
/// <remarks>
/// <code>
///  event (first one wins)                          reason                        on the wire from us
///  ----------------------------------------------  ----------------------------  -------------------
///  CloseAsync()                                    LocalClose                    FIN, then close after peer's FIN
///  CompleteOutput(), then the peer's FIN           LocalHalfCloseThenRemoteFin   FIN
///  Abort()                                         LocalAbort                    RST (SO_LINGER 0)
///  recv() == 0 before we finished sending          RemoteFin                     FIN when we finish
///  ECONNRESET / EPIPE                              RemoteReset                   nothing (already dead)
///  malformed frame                                 ProtocolError                 RST
///  oversize frame or exceeded cap                  LimitExceeded                 RST
///  a deadline passed                               Timeout                       RST
///  server drain closed or aborted the connection   ServerDrain                   FIN (idle) or RST (after timeout)
///  the server's handler threw (a bug)              HandlerFault                  RST
/// </code>
/// One exception to "set once": <see cref="RemoteFin"/> says only that the peer finished sending, and a handler that then
/// fails aborts the connection, so <see cref="HandlerFault"/> replaces it; a log or metric that said RemoteFin would claim a
/// clean end where the peer got a reset (issue 15). Nothing else replaces a recorded reason.
/// </remarks>
public enum CloseReason
{
    /// <summary>The connection is still open and nothing has started its end.</summary>
    None = 0,

    /// <summary>This side called <see cref="Connection.CloseAsync"/> (graceful: FIN, drain until peer's FIN, close).</summary>
    LocalClose,

    /// <summary>This side half-closed with <see cref="Connection.CompleteOutput"/>; the peer then sent its FIN.</summary>
    LocalHalfCloseThenRemoteFin,

    /// <summary>This side called <see cref="Connection.Abort"/>: RST, unsent data dropped.</summary>
    LocalAbort,

    /// <summary>The peer sent FIN first (recv() returned 0).</summary>
    RemoteFin,

    /// <summary>The peer (or the network) reset the connection: ECONNRESET or EPIPE.</summary>
    RemoteReset,

    /// <summary>The peer sent malformed data; the connection was aborted.</summary>
    ProtocolError,

    /// <summary>The peer exceeded a configured limit (frame length, buffer cap); the connection was aborted.</summary>
    LimitExceeded,

    /// <summary>A deadline passed (connect, close, idle); the connection was aborted.</summary>
    Timeout,

    /// <summary>The server was stopping: the connection was closed while idle or aborted when the drain timeout passed.</summary>
    ServerDrain,

    /// <summary>
    /// The handler threw something other than a <see cref="Errors.SynackException"/> (a bug): the connection was aborted (RST)
    /// and the server raised <see cref="Server.SynackServer.HandlerFaulted"/>. Replaces <see cref="RemoteFin"/> if the peer's FIN came first.
    /// </summary>
    HandlerFault,
}
