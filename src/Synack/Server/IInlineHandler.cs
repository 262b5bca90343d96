using System.Buffers;
using System.Net.Sockets;
using Synack.Connections;
using Synack.Errors;

namespace Synack.Server;

/// <summary>
/// A connection handler that runs inline, on the thread that read the bytes, without async: it is given what arrived and
/// writes its reply into a buffer that is sent as soon as it returns. On the epoll transport this is the fast path, one
/// recv(), one call and one send() per batch on the loop thread, with no pipe, task or buffer per message (the model of
/// Netty's channelRead and of hand-written epoll servers). On the sockets transport, over TLS or PROXY, or with a
/// <see cref="ConnectionOptions.Heartbeat"/>, the same handler runs over the connection's pipes. Serve one with <see cref="SynackServer(ServerOptions, IInlineHandler, TimeProvider?)"/>.
/// </summary>
/// <remarks>
/// <para>The handler must not block and must not keep <c>input</c> or <c>output</c> after it returns: both are reused for
/// the next connection. It may close or abort other connections (a chat server kicking a client); if one of them is
/// busy on another thread at that moment, the verb completes on the thread pool instead of waiting. A handler that needs to wait (a database, a timer) should be a <see cref="ConnectionHandler"/>.</para>
/// <para>Flow control is built in: while a reply waits for the peer to read it, the connection is not read (so it is
/// not handed more input), and input a handler leaves unconsumed is capped by
/// <see cref="ConnectionOptions.MaxReadBufferSize"/> (<see cref="ErrorKind.LimitExceeded"/>). Timeouts apply as for the
/// frame helpers: unconsumed input is an incomplete frame (<see cref="ConnectionOptions.FrameReadTimeout"/>,
/// <see cref="ConnectionOptions.MinReceiveRate"/>).</para>
/// <para>Ending: after <see cref="OnEndOfStream"/> the server closes gracefully; a handler may also call
/// <see cref="Connection.CompleteOutput"/>, <see cref="Connection.CloseAsync"/> or <see cref="Connection.Abort"/>. The
/// first two take effect when the call returns: what it wrote is sent before the FIN, and what later calls write is
/// dropped (the stream is closed for sending). A
/// <see cref="SynackException"/> of kind <see cref="ErrorKind.ProtocolError"/> or <see cref="ErrorKind.LimitExceeded"/>
/// thrown by the handler aborts the connection (RST) with that close reason, as the frame helpers do for bad input;
/// other <see cref="SynackException"/>s close it gracefully; any other exception aborts it and is reported through
/// <see cref="SynackServer.HandlerFaulted"/>. When the server drains, a connection is closed as soon as it holds no
/// unconsumed input.</para>
/// </remarks>
public interface IInlineHandler
{
    /// <summary>
    /// The connection has started, before any input: what is written to <paramref name="output"/> is sent first (a
    /// client's first requests, a server's greeting). Called once, on the transport's thread, under the same rules as
    /// <see cref="OnReceived"/>. The default writes nothing.
    /// </summary>
    void OnConnected(Connection connection, IBufferWriter<byte> output)
    {
    }

    /// <summary>
    /// Handles received bytes: all that arrived, after what earlier calls left unconsumed. Returns how many bytes (from
    /// the start of <paramref name="input"/>) it consumed; the rest is offered again, with more, at the next call.
    /// </summary>
    /// <param name="connection">The connection, for its endpoints and close verbs. Its <see cref="Connection.Input"/> and
    /// <see cref="Connection.Output"/> are not used by inline handlers.</param>
    /// <param name="input">The bytes, valid only during the call.</param>
    /// <param name="output">Where to write the reply, valid only during the call; sent when the call returns.</param>
    long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output);

    /// <summary>
    /// The peer sent FIN: no more input will come. <paramref name="unconsumed"/> is what the handler left unconsumed,
    /// so non-empty means the peer stopped mid-message. By default that is reported as a
    /// <see cref="ErrorKind.TruncatedFrame"/> (counted in <c>synack.errors</c>, as the frame helpers report it; nothing is
    /// dropped silently) and the connection closes gracefully; an empty remainder ends it cleanly. Whatever is written to
    /// <paramref name="output"/> is sent before the server's FIN.
    /// </summary>
    void OnEndOfStream(Connection connection, ReadOnlySequence<byte> unconsumed, IBufferWriter<byte> output)
    {
        if (!unconsumed.IsEmpty)
        {
            throw new SynackException(ErrorKind.TruncatedFrame, "read",
                $"the peer closed the connection in the middle of a message ({unconsumed.Length} byte(s) unconsumed)",
                connection.LocalEndPoint, connection.RemoteEndPoint, SocketError.Success, null, connection.Metrics);
        }
    }

    /// <summary>
    /// The connection is closed (its socket released, <see cref="Connection.Closed"/> completed): the place to drop state
    /// kept for it (a chat room's member list, a session table), whatever ended it, the peer's FIN or reset, a timeout, a
    /// drain, a local close or abort, or this handler's own exception (issue 15: <see cref="OnEndOfStream"/> fires only at a
    /// FIN). Called exactly once per connection whose <see cref="OnConnected"/> was called, after the last other call for
    /// it and never beside one; <paramref name="reason"/> is the recorded <see cref="Connection.CloseReason"/>. It may run
    /// on the transport's thread (an epoll loop) or the thread pool, so it must not block; nothing can be sent any more. An
    /// exception thrown here is a bug: a server reports it through <see cref="SynackServer.HandlerFaulted"/>, a client
    /// ignores it. The default does nothing.
    /// </summary>
    void OnClosed(Connection connection, CloseReason reason)
    {
    }
}
