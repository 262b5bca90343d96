using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Synack.Connections;
using Synack.Diagnostics;

namespace Synack.FunctionalTests.Infrastructure;

/// <summary>
/// Counts, from the <c>Synack</c> meter, why the server connections on one port ended (<c>synack.connection.duration</c>
/// with <c>synack.close_reason</c>): how a test sees from the server's side that a slow client was cut by a limit,
/// including on the inline path, which logs no per-connection lines. Other tests' servers (other ports) are ignored.
/// </summary>
internal sealed class ServerCloseReasons : IDisposable
{
    private readonly int _port;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, int> _counts = new();

    public ServerCloseReasons(int port)
    {
        _port = port;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SynackMetrics.MeterName && instrument.Name == "synack.connection.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, _, tags, _) => Record(tags));
        _listener.Start();
    }

    /// <summary>How many server connections on the port closed with <paramref name="reason"/> so far.</summary>
    public int Count(CloseReason reason) => _counts.TryGetValue(reason.ToString(), out int n) ? n : 0;

    public void Dispose() => _listener.Dispose();

    private void Record(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        bool server = false, port = false;
        string? reason = null;
        foreach ((string key, object? value) in tags)
        {
            server |= key == "synack.side" && value is "server";
            port |= key == "server.port" && value is int p && p == _port;
            reason = key == "synack.close_reason" ? value as string : reason;
        }

        if (server && port && reason is not null)
        {
            _counts.AddOrUpdate(reason, 1, (_, n) => n + 1);
        }
    }
}
