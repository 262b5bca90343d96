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
/// <item><term><c>synack.connection.active</c></term><description>up-down counter: connections open now.</description></item>
/// <item><term><c>synack.connection.duration</c></term><description>histogram (s), tagged with <c>synack.close_reason</c>; advised buckets from 10 ms to 300 s (ASP.NET Core's for <c>kestrel.connection.duration</c>).</description></item>
/// <item><term><c>synack.connection.received</c> / <c>synack.connection.sent</c></term><description>counters (By), added when a connection ends.</description></item>
/// <item><term><c>synack.connection.rejected</c></term><description>counter: connections turned away by <c>MaxConnections</c>.</description></item>
/// <item><term><c>synack.accept.paused</c></term><description>counter ({pause}): times a server paused accepting, tagged
/// <c>synack.pause_reason</c>: <c>descriptor_reserve</c> (<c>ServerOptions.DescriptorReserve</c> reached) or
/// <c>accept_error</c> (accept() failed with EMFILE, ENFILE or ENOBUFS and backs off). It carries only that tag.</description></item>
/// <item><term><c>synack.frames.received</c> / <c>synack.frames.sent</c></term><description>counters ({frame}): frames decoded by a
/// <c>FrameReader</c> and sent by a <c>FrameWriter</c>, added when a connection ends.</description></item>
/// <item><term><c>synack.errors</c></term><description>counter: failed operations, tagged <c>error.type</c> (the
/// <c>ErrorKind</c>: <c>Refused</c>, <c>Reset</c>, <c>ProtocolError</c>, ...) and <c>synack.operation</c> (<c>connect</c>,
/// <c>read</c>, <c>write</c>, <c>decode</c>, ...), recorded once per failure when the first <c>SynackException</c> for it is
/// raised (one that wraps another is not counted again); <c>Closed</c> (this
/// side closed first) is not an error and is not counted.</description></item>
/// </list>
/// Every instrument is tagged with <c>synack.side</c> (<c>server</c> or <c>client</c>) and <c>network.transport</c>
/// (<c>tcp</c> or <c>unix</c>); TCP adds <c>server.port</c> (the listening port, or the port connected to) and
/// <c>network.type</c> (<c>ipv4</c> or <c>ipv6</c>), Unix sockets <c>server.address</c> (the socket path); <c>synack.errors</c>
/// carries only its own two tags. Nothing is recorded per read
/// or write: the hot path stays free of instrumentation.
/// </remarks>
public static class SynackMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Synack";

    internal static readonly Meter Meter = new(MeterName, typeof(SynackMetrics).Assembly.GetName().Version?.ToString());
    private static readonly Counter<long> Opened = Meter.CreateCounter<long>("synack.connection.opened", "{connection}", "Connections that started.");
    private static readonly UpDownCounter<long> Active = Meter.CreateUpDownCounter<long>("synack.connection.active", "{connection}", "Connections open now.");
    // Seconds-scale buckets, as ASP.NET Core advises for kestrel.connection.duration: the default boundaries
    // (0, 5, 10, 25, ... 10,000) put every sub-5-second connection in one bucket (issue 15).
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("synack.connection.duration", "s", "How long connections lasted, by close reason.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300] });
    private static readonly Counter<long> Received = Meter.CreateCounter<long>("synack.connection.received", "By", "Bytes received, added when a connection ends.");
    private static readonly Counter<long> Sent = Meter.CreateCounter<long>("synack.connection.sent", "By", "Bytes sent, added when a connection ends.");
    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("synack.connection.rejected", "{connection}", "Connections turned away by MaxConnections.");
    private static readonly Counter<long> Paused = Meter.CreateCounter<long>("synack.accept.paused", "{pause}", "Times a server paused accepting for lack of descriptors.");
    private static readonly Counter<long> OverloadPausedCount = Meter.CreateCounter<long>("synack.overload.paused", "{connection}", "Connections whose reading a server paused for its buffer budget (MaxBufferedBytes).");
    private static readonly Counter<long> OverloadShedCount = Meter.CreateCounter<long>("synack.overload.shed", "{connection}", "Connections a server aborted because it stayed over its buffer budget (MaxBufferedBytes).");
    private static readonly Counter<long> FramesReceived = Meter.CreateCounter<long>("synack.frames.received", "{frame}", "Frames decoded, added when a connection ends.");
    private static readonly Counter<long> FramesSent = Meter.CreateCounter<long>("synack.frames.sent", "{frame}", "Frames sent, added when a connection ends.");
    private static readonly Counter<long> Errors = Meter.CreateCounter<long>("synack.errors", "{error}", "Failed operations by error kind and operation.");

    internal static TagList Tags(bool server, EndPoint local, EndPoint remote)
    {
        EndPoint serverEnd = server ? local : remote;
        if (serverEnd is not IPEndPoint ip)
        {
            return new TagList
            {
                { "synack.side", server ? "server" : "client" },
                { "network.transport", "unix" },
                { "server.address", serverEnd.ToString() },
            };
        }

        return new TagList
        {
            { "synack.side", server ? "server" : "client" },
            { "network.transport", "tcp" },
            { "server.port", ip.Port },
            { "network.type", ip.AddressFamily == AddressFamily.InterNetworkV6 && !ip.Address.IsIPv4MappedToIPv6 ? "ipv6" : "ipv4" },
        };
    }

    internal static void ConnectionOpened(in TagList tags)
    {
        Opened.Add(1, tags);
        Active.Add(1, tags);
    }

    internal static void ConnectionClosed(in TagList tags, CloseReason reason, TimeSpan duration, long received, long sent, long framesReceived, long framesSent)
    {
        Active.Add(-1, tags);
        Received.Add(received, tags);
        Sent.Add(sent, tags);
        FramesReceived.Add(framesReceived, tags);
        FramesSent.Add(framesSent, tags);
        TagList withReason = tags;
        withReason.Add("synack.close_reason", reason.ToString());
        Duration.Record(duration.TotalSeconds, withReason);
    }

    internal static void Error(Errors.ErrorKind kind, string operation)
    {
        if (Errors.Enabled && kind != Synack.Errors.ErrorKind.Closed)
        {
            Errors.Add(1, new KeyValuePair<string, object?>("error.type", kind.ToString()), new KeyValuePair<string, object?>("synack.operation", operation));
        }
    }

    internal static void ConnectionRejected(EndPoint listener) =>
        Rejected.Add(1, Tags(server: true, listener, listener));

    internal static void OverloadPaused() => OverloadPausedCount.Add(1);

    internal static void OverloadShed() => OverloadShedCount.Add(1);

    internal static void AcceptPaused(string reason) =>
        Paused.Add(1, new KeyValuePair<string, object?>("synack.pause_reason", reason));
}
