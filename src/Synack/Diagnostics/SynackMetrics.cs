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
/// <item><term><c>synack.connection.duration</c></term><description>histogram (s), tagged with <c>synack.close_reason</c>.</description></item>
/// <item><term><c>synack.connection.received</c> / <c>synack.connection.sent</c></term><description>counters (By), added when a connection ends.</description></item>
/// <item><term><c>synack.connection.rejected</c></term><description>counter: connections turned away by <c>MaxConnections</c>.</description></item>
/// </list>
/// Every instrument is tagged with <c>synack.side</c> (<c>server</c> or <c>client</c>) and <c>network.transport</c>
/// (<c>tcp</c> or <c>unix</c>); TCP adds <c>server.port</c> (the listening port, or the port connected to) and
/// <c>network.type</c> (<c>ipv4</c> or <c>ipv6</c>), Unix sockets <c>server.address</c> (the socket path). Nothing is recorded per read
/// or write: the hot path stays free of instrumentation.
/// </remarks>
public static class SynackMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Synack";

    private static readonly Meter Meter = new(MeterName, typeof(SynackMetrics).Assembly.GetName().Version?.ToString());
    private static readonly Counter<long> Opened = Meter.CreateCounter<long>("synack.connection.opened", "{connection}", "Connections that started.");
    private static readonly UpDownCounter<long> Active = Meter.CreateUpDownCounter<long>("synack.connection.active", "{connection}", "Connections open now.");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("synack.connection.duration", "s", "How long connections lasted, by close reason.");
    private static readonly Counter<long> Received = Meter.CreateCounter<long>("synack.connection.received", "By", "Bytes received, added when a connection ends.");
    private static readonly Counter<long> Sent = Meter.CreateCounter<long>("synack.connection.sent", "By", "Bytes sent, added when a connection ends.");
    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("synack.connection.rejected", "{connection}", "Connections turned away by MaxConnections.");

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

    internal static void ConnectionClosed(in TagList tags, CloseReason reason, TimeSpan duration, long received, long sent)
    {
        Active.Add(-1, tags);
        Received.Add(received, tags);
        Sent.Add(sent, tags);
        TagList withReason = tags;
        withReason.Add("synack.close_reason", reason.ToString());
        Duration.Record(duration.TotalSeconds, withReason);
    }

    internal static void ConnectionRejected(EndPoint listener) =>
        Rejected.Add(1, Tags(server: true, listener, listener));
}
