using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Synack.Connections;
using Synack.Server;

namespace Synack.Diagnostics;

/// <summary>
/// The connections that share one set of metric tags (side, transport, server port or path, IP version): how many are
/// open, which ones (a <see cref="ConnectionSet"/> threaded through them), and the bytes and frames of those that ended.
/// The observable instruments of <see cref="SynackMetrics"/> read it at collection time, so a long-lived connection's
/// traffic shows while it is open and a listener that starts late sees the connections already open (issue 15).
/// </summary>
/// <remarks>
/// The engines count each connection's bytes and frames in its own <see cref="Transport.TrafficMeter"/> anyway (once per
/// read or write batch, for the timeouts); nothing more is done per message. Per connection: one lookup here when it is
/// made, one add and one remove under this group's lock, and two links. A reading walks the live set under the same lock
/// as a close moves a connection from live to ended, so each connection is counted once, and every cumulative value
/// only grows. Groups are kept for the life of the process, as an SDK keeps one aggregate per tag set.
/// </remarks>
internal sealed class ConnectionMetrics
{
    private static readonly ConcurrentDictionary<Key, ConnectionMetrics> s_groups = new();

    private readonly object _gate = new();
    private readonly ConnectionSet _live = new(metrics: true);
    private long _endedReceived;
    private long _endedSent;
    private long _endedFramesReceived;
    private long _endedFramesSent;

    private ConnectionMetrics(KeyValuePair<string, object?>[] tags) => Tags = tags;

    /// <summary>The tags every instrument carries for these connections.</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>Every group made so far.</summary>
    public static ICollection<ConnectionMetrics> All => s_groups.Values;

    /// <summary>
    /// The group of a connection (or a listener: <paramref name="local"/> and <paramref name="remote"/> the same). The
    /// server end names it: the listening port or path for a server, the port or path connected to for a client.
    /// </summary>
    public static ConnectionMetrics For(bool server, EndPoint local, EndPoint remote)
    {
        EndPoint serverEnd = server ? local : remote;
        Key key = serverEnd switch
        {
            IPEndPoint ip => new Key(server, ip.Port, ip.AddressFamily == AddressFamily.InterNetworkV6 && !ip.Address.IsIPv4MappedToIPv6, null),
            DnsEndPoint dns => new Key(server, dns.Port, Ipv6: false, Path: null, Dns: true),
            _ => new Key(server, 0, Ipv6: false, serverEnd.ToString() ?? ""),
        };
        return s_groups.TryGetValue(key, out ConnectionMetrics? group) ? group : s_groups.GetOrAdd(key, static k => new ConnectionMetrics(k.Tags()));
    }

    /// <summary>Open connections of this group now.</summary>
    public long Active => _live.Count;

    /// <summary>A connection started: it is open, and its traffic is read from its meter from now on.</summary>
    public void Opened(Connection connection)
    {
        lock (_gate)
        {
            _live.Add(connection);
        }
    }

    /// <summary>A connection ended: its final counts move from live to ended. False if it was not open (a second call).</summary>
    public bool Closed(Connection connection)
    {
        lock (_gate)
        {
            if (!_live.Remove(connection))
            {
                return false;
            }

            _endedReceived += connection.BytesReceived;
            _endedSent += connection.BytesSent;
            _endedFramesReceived += connection.FramesReceived;
            _endedFramesSent += connection.FramesSent;
            return true;
        }
    }

    /// <summary>Bytes received by this group's connections, ended and open.</summary>
    public long Received() => Total(ref _endedReceived, static c => c.BytesReceived);

    /// <summary>Bytes sent by this group's connections, ended and open.</summary>
    public long Sent() => Total(ref _endedSent, static c => c.BytesSent);

    /// <summary>Frames received by this group's connections, ended and open.</summary>
    public long FramesReceived() => Total(ref _endedFramesReceived, static c => c.FramesReceived);

    /// <summary>Frames sent by this group's connections, ended and open.</summary>
    public long FramesSent() => Total(ref _endedFramesSent, static c => c.FramesSent);

    private long Total(ref long ended, Func<Connection, long> live)
    {
        lock (_gate)
        {
            return ended + _live.Sum(live);
        }
    }

    /// <summary>What tells groups apart: exactly what their tags say.</summary>
    private readonly record struct Key(bool Server, int Port, bool Ipv6, string? Path, bool Dns = false)
    {
        public KeyValuePair<string, object?>[] Tags()
        {
            var side = new KeyValuePair<string, object?>("synack.side", Server ? "server" : "client");
            return Path is not null
                ? [side, new("network.transport", "unix"), new("server.address", Path)]
                : Dns
                    ? [side, new("network.transport", "tcp"), new("server.port", Port)]
                    : [side, new("network.transport", "tcp"), new("server.port", Port), new("network.type", Ipv6 ? "ipv6" : "ipv4")];
        }
    }
}
