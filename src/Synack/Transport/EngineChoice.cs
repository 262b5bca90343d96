using System.Net.Sockets;
using Synack.Connections;
using Synack.Server;
using Synack.Transport.Epoll;
using Synack.Transport.Pipes;
using Synack.Transport.Sockets;

namespace Synack.Transport;

/// <summary>
/// The one place that decides which engine a connection runs on, for servers and clients alike (issue 12: it was decided
/// in three places). <see cref="SynackTransport.Auto"/> puts inline handlers, which promise not to block, on the epoll
/// fast path, and everything else on the runtime's sockets, where a handler that blocks holds up only itself.
/// </summary>
internal static class EngineChoice
{
    /// <summary>
    /// The default for <see cref="ServerOptions.Transport"/> and <see cref="Client.ConnectOptions.Transport"/>:
    /// <c>SYNACK_TRANSPORT</c> (auto, sockets or epoll) when set, so a whole suite or tool can be moved to one engine,
    /// else <see cref="SynackTransport.Auto"/>.
    /// </summary>
    public static SynackTransport Default() =>
        Enum.TryParse(Environment.GetEnvironmentVariable("SYNACK_TRANSPORT"), ignoreCase: true, out SynackTransport chosen)
            && Enum.IsDefined(chosen) ? chosen : SynackTransport.Auto;

    /// <summary>
    /// <c>SYNACK_EPOLL_ENGINE=pipes</c> keeps async handlers and clients on epoll on the pipes engine instead of the direct
    /// one: for paired measurements of the two (bench/pairs.sh's synack-epoll-pipes row), not a user-facing choice.
    /// </summary>
    public static readonly bool PipesOnEpollDefault =
        string.Equals(Environment.GetEnvironmentVariable("SYNACK_EPOLL_ENGINE"), "pipes", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// True when a connection runs on epoll: asked for (<see cref="SynackTransport.Epoll"/>, or
    /// <see cref="SynackTransport.Auto"/> with an inline handler) and supported here (Linux x64/ARM64). Nothing else moves
    /// a connection off epoll any more (issue 12): the inline engine sends heartbeats between calls, TLS is an SslStream
    /// over the loop's stream (<see cref="EpollStream"/>), and a PROXY header is read with the loop's recv(). With TLS or
    /// PROXY an inline handler runs over the connection's pipes, on the same engine.
    /// </summary>
    public static bool UsesEpoll(SynackTransport requested, bool inlineHandler) =>
        (requested == SynackTransport.Epoll || (requested == SynackTransport.Auto && inlineHandler)) && EpollLoop.IsSupported;

    /// <summary>
    /// The engine for a connection whose transport was chosen above: on <paramref name="loop"/> (epoll) or on the runtime's
    /// sockets (null). On epoll an <paramref name="inlineHandler"/> gets the inline engine, and an async handler or client
    /// the direct engine, unless a <paramref name="preamble"/> (TLS, a PROXY header) comes first: that, and everything on
    /// the runtime's sockets, gets the pipes engine over the transport's byte stream (an inline handler there runs over the
    /// pipes: InlineHandlerAdapter).
    /// </summary>
    public static ConnectionEngine Create(Connection connection, Socket socket, ConnectionOptions options, TimeProvider time,
        EpollLoop? loop, IInlineHandler? inlineHandler, bool preamble)
    {
        if (loop is not null && inlineHandler is not null)
        {
            return new InlineEngine(connection, socket, options, time, loop, inlineHandler);
        }

        if (loop is not null && !preamble && !options.PipesOnEpoll)
        {
            return new DirectEngine(connection, socket, options, time, loop);
        }

        ISocketStream stream = loop is null ? new RuntimeSocketStream(socket) : new EpollSocketStream(socket, loop);
        return new PipesEngine(connection, socket, options, time, stream, inlineScheduling: options.UnsafePreferInlineScheduling || loop is not null);
    }
}
