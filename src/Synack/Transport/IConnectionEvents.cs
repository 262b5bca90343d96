using System.Net;
using Synack.Connections;

namespace Synack.Transport;

/// <summary>
/// What an engine tells the connection above it (Kestrel's transport talks to its ConnectionContext the same way): the
/// close reason, that the handler is done, that the socket is released. Engines never reach into the connection itself;
/// the counters and clocks are the engine's own (<see cref="TrafficMeter"/>), so the per-message path makes no call here.
/// </summary>
internal interface IConnectionEvents
{
    /// <summary>The owning server's buffer budget, or null (clients, or a server without one).</summary>
    BufferBudget? Budget { get; }

    /// <summary>The connection's options.</summary>
    ConnectionOptions Options { get; }

    /// <summary>This side's endpoint, for errors.</summary>
    EndPoint LocalEndPoint { get; }

    /// <summary>The peer's endpoint, for errors.</summary>
    EndPoint RemoteEndPoint { get; }

    /// <summary>The connection's metric group, which tags the errors raised for it.</summary>
    Diagnostics.ConnectionMetrics Metrics { get; }

    /// <summary>The recorded close reason, or <see cref="CloseReason.None"/>.</summary>
    CloseReason CloseReason { get; }

    /// <summary>Records <paramref name="reason"/> unless one was recorded already (first writer wins); true if this call set it.</summary>
    bool TrySetCloseReason(CloseReason reason);

    /// <summary>
    /// The inline handler will not be called again; <paramref name="fault"/> is its bug, if that is why. Called once, under
    /// the connection's lock, possibly on a loop thread.
    /// </summary>
    void OnHandlerDone(Exception? fault);

    /// <summary>The socket is closed (both directions finished, or aborted). May be called more than once; the first call counts.</summary>
    void OnReleased();
}
