using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Synack.Connections;

namespace Synack.Diagnostics;

/// <summary>
/// Synack's metrics, on the <c>Synack</c> meter (System.Diagnostics.Metrics; collect them with OpenTelemetry,
/// <c>dotnet-counters monitor --counters Synack</c> or a <see cref="MeterListener"/>). Names and tags follow
/// Kestrel's and OpenTelemetry's conventions.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>synack.connection.opened</c></term><description>counter: connections that started.</description></item>
/// <item><term><c>synack.connection.active</c></term><description>observable up-down counter: connections open now, read
/// at collection time, so a listener that attaches late (<c>dotnet-counters</c> on a running server) sees the open ones.</description></item>
/// <item><term><c>synack.connection.duration</c></term><description>histogram (s), tagged with <c>synack.close_reason</c>; advised buckets from 10 ms to 300 s (ASP.NET Core's for <c>kestrel.connection.duration</c>).</description></item>
/// <item><term><c>synack.connection.received</c> / <c>synack.connection.sent</c></term><description>observable counters (By):
/// the ended connections' totals plus the open connections' counts at collection time, so a long-lived connection's traffic
/// shows while it lasts.</description></item>
/// <item><term><c>synack.connection.rejected</c></term><description>counter: connections turned away by <c>MaxConnections</c>.</description></item>
/// <item><term><c>synack.accept.paused</c></term><description>counter ({pause}): times a server paused accepting, tagged
/// <c>synack.pause_reason</c>: <c>descriptor_reserve</c> (<c>ServerOptions.DescriptorReserve</c> reached) or
/// <c>accept_error</c> (accept() failed with EMFILE, ENFILE or ENOBUFS and backs off). It carries only that tag.</description></item>
/// <item><term><c>synack.frames.received</c> / <c>synack.frames.sent</c></term><description>counters ({frame}): frames decoded by a
/// <c>FrameReader</c> and sent by a <c>FrameWriter</c>, observed as the bytes are.</description></item>
/// <item><term><c>synack.errors</c></term><description>counter: failed operations, tagged <c>error.type</c> (the
/// <c>ErrorKind</c>: <c>Refused</c>, <c>Reset</c>, <c>ProtocolError</c>, ...) and <c>synack.operation</c> (<c>connect</c>,
/// <c>read</c>, <c>write</c>, <c>decode</c>, ...), recorded once per failure when the first <c>SynackException</c> for it is
/// raised with its connection known (one that wraps another is not counted again; a codec's error, raised without one, is
/// counted by the connection that claims it); <c>Closed</c> (this side closed first) is not an error and is not counted. A
/// handler's bug counts as <c>error.type</c> = the exception's type name, <c>synack.operation</c> = <c>handler</c>. Tagged
/// like the connection instruments (connect and resolve errors as the client side of the port connected to, listen errors as
/// the server side).</description></item>
/// </list>
/// Every instrument is tagged with <c>synack.side</c> (<c>server</c> or <c>client</c>) and <c>network.transport</c>
/// (<c>tcp</c> or <c>unix</c>); TCP adds <c>server.port</c> (the listening port, or the port connected to) and
/// <c>network.type</c> (<c>ipv4</c> or <c>ipv6</c>), Unix sockets <c>server.address</c> (the socket path). Nothing is recorded
/// per read or write: the observable instruments read the counters each connection's engine keeps anyway (once per read or
/// write batch, for its timeouts; see <see cref="ConnectionMetrics"/>), so the hot path stays free of instrumentation.
/// </remarks>
public static class SynackMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Synack";

    internal static readonly Meter Meter = new(MeterName, typeof(SynackMetrics).Assembly.GetName().Version?.ToString());
    private static readonly Counter<long> Opened = Meter.CreateCounter<long>("synack.connection.opened", "{connection}", "Connections that started.");
    // Seconds-scale buckets, as ASP.NET Core advises for kestrel.connection.duration: the default boundaries
    // (0, 5, 10, 25, ... 10,000) put every sub-5-second connection in one bucket (issue 15).
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("synack.connection.duration", "s", "How long connections lasted, by close reason.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300] });
    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("synack.connection.rejected", "{connection}", "Connections turned away by MaxConnections.");
    private static readonly Counter<long> Paused = Meter.CreateCounter<long>("synack.accept.paused", "{pause}", "Times a server paused accepting for lack of descriptors.");
    private static readonly Counter<long> OverloadPausedCount = Meter.CreateCounter<long>("synack.overload.paused", "{connection}", "Connections whose reading a server paused for its buffer budget (MaxBufferedBytes).");
    private static readonly Counter<long> OverloadShedCount = Meter.CreateCounter<long>("synack.overload.shed", "{connection}", "Connections a server aborted because it stayed over its buffer budget (MaxBufferedBytes).");
    private static readonly Counter<long> Errors = Meter.CreateCounter<long>("synack.errors", "{error}", "Failed operations by error kind and operation.");

    // Observed at collection time from the live connections and the totals of ended ones (ConnectionMetrics), so a
    // listener that attaches late sees what is open, and a long-lived connection's traffic shows while it lasts (issue 15).
    private static readonly ObservableUpDownCounter<long> Active = Meter.CreateObservableUpDownCounter("synack.connection.active",
        static () => Observe(static g => g.Active), "{connection}", "Connections open now.");
    private static readonly ObservableCounter<long> Received = Meter.CreateObservableCounter("synack.connection.received",
        static () => Observe(static g => g.Received()), "By", "Bytes received, by open and ended connections.");
    private static readonly ObservableCounter<long> Sent = Meter.CreateObservableCounter("synack.connection.sent",
        static () => Observe(static g => g.Sent()), "By", "Bytes sent, by open and ended connections.");
    private static readonly ObservableCounter<long> FramesReceived = Meter.CreateObservableCounter("synack.frames.received",
        static () => Observe(static g => g.FramesReceived()), "{frame}", "Frames decoded, by open and ended connections.");
    private static readonly ObservableCounter<long> FramesSent = Meter.CreateObservableCounter("synack.frames.sent",
        static () => Observe(static g => g.FramesSent()), "{frame}", "Frames sent, by open and ended connections.");

    internal static void ConnectionOpened(Connection connection)
    {
        connection.Metrics.Opened(connection);
        Opened.Add(1, connection.Metrics.Tags);
    }

    /// <summary>
    /// A connection ended: its counts move to the ended totals and its duration is recorded with the close reason. Once per
    /// connection (false for a second call, or for a connection that never started).
    /// </summary>
    internal static bool ConnectionClosed(Connection connection, CloseReason reason, TimeSpan duration)
    {
        if (!connection.Metrics.Closed(connection))
        {
            return false;
        }

        if (Duration.Enabled)
        {
            var withReason = new TagList(connection.Metrics.Tags) { { "synack.close_reason", reason.ToString() } };
            Duration.Record(duration.TotalSeconds, withReason);
        }

        return true;
    }

    /// <summary>
    /// One failure, tagged like the connection instruments when <paramref name="group"/> says whose it is (otherwise with
    /// only its side, when the operation tells it). <paramref name="errorType"/> is the <c>ErrorKind</c>, or for a handler's
    /// bug the exception's type name.
    /// </summary>
    internal static void Error(string errorType, string operation, ConnectionMetrics? group, string? side = null)
    {
        if (!Errors.Enabled)
        {
            return;
        }

        var tags = group is null ? default : new TagList(group.Tags);
        if (group is null && side is not null)
        {
            tags.Add("synack.side", side);
        }

        tags.Add("error.type", errorType);
        tags.Add("synack.operation", operation);
        Errors.Add(1, tags);
    }

    internal static void ConnectionRejected(EndPoint listener) =>
        Rejected.Add(1, ConnectionMetrics.For(server: true, listener, listener).Tags);

    internal static void OverloadPaused() => OverloadPausedCount.Add(1);

    internal static void OverloadShed() => OverloadShedCount.Add(1);

    internal static void AcceptPaused(string reason) =>
        Paused.Add(1, new KeyValuePair<string, object?>("synack.pause_reason", reason));

    private static IEnumerable<Measurement<long>> Observe(Func<ConnectionMetrics, long> value)
    {
        foreach (ConnectionMetrics group in ConnectionMetrics.All)
        {
            yield return new Measurement<long>(value(group), group.Tags);
        }
    }
}
