using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Synack.Client;
using Synack.Connections;
using Synack.Diagnostics;
using Synack.FunctionalTests.Infrastructure;

namespace Synack.FunctionalTests.Diagnostics;

public sealed class MetricsTests
{
    /// <summary>Collects Synack measurements for one server port (other tests run in parallel on other ports).</summary>
    private sealed class Collector : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _port;

        public Collector()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SynackMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Record(i, value, tags));
            _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Record(i, value, tags));
            _listener.Start();
        }

        public ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)> Measurements { get; } = new();

        public int Port { set => _port = value; }

        public double Sum(string name, string side, string? reason = null) => Measurements
            .Where(m => m.Name == name && (string?)m.Tags["synack.side"] == side
                && (reason is null || (string?)m.Tags.GetValueOrDefault("synack.close_reason") == reason))
            .Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var all = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                all[tag.Key] = tag.Value;
            }

            if (all.TryGetValue("server.port", out object? port) && port is int p && p == _port)
            {
                Measurements.Enqueue((instrument.Name, value, all));
            }
        }
    }

    [Fact]
    public async Task ConnectionsAreCountedWhileOpenAndRecordedWithTheirCloseReasonDurationAndBytes()
    {
        using var metrics = new Collector();
        await using var server = Loopback.StartServer(Loopback.LineEcho);
        metrics.Port = server.EndPoint().Port;

        await using (Connection client = await SynackClient.ConnectAsync(server.EndPoint()))
        {
            await client.SendLineAsync("hello");
            Assert.Equal("hello", await client.ReadLineAsync().Within());
            Assert.Equal(1, metrics.Sum("synack.connection.active", "client"));
            await Loopback.Until(() => metrics.Sum("synack.connection.active", "server") == 1);
        }

        // Both sides' close is recorded when their socket is released, just after Closed completes (Connection.OnReleased):
        // wait for each rather than assume DisposeAsync returns after it (the client's -1 came late once, on epoll).
        await Loopback.Until(() => metrics.Sum("synack.connection.active", "server") == 0);
        await Loopback.Until(() => metrics.Sum("synack.connection.active", "client") == 0);
        Assert.Equal(1, metrics.Sum("synack.connection.opened", "server"));
        Assert.Equal(1, metrics.Sum("synack.connection.opened", "client"));
        Assert.Equal(6, metrics.Sum("synack.connection.received", "server"));
        Assert.Equal(6, metrics.Sum("synack.connection.sent", "server"));
        Assert.Single(metrics.Measurements, m => m.Name == "synack.connection.duration" && (string?)m.Tags["synack.side"] == "client"
            && (string?)m.Tags["synack.close_reason"] == nameof(CloseReason.LocalClose));
        Assert.Single(metrics.Measurements, m => m.Name == "synack.connection.duration" && (string?)m.Tags["synack.side"] == "server"
            && (string?)m.Tags["synack.close_reason"] == nameof(CloseReason.RemoteFin));
        Assert.All(metrics.Measurements, m => Assert.Equal("ipv4", m.Tags["network.type"]));
    }

    [Fact]
    public void TheDurationHistogramAdvisesSecondsScaleBuckets()
    {
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(SynackMetrics).TypeHandle); // instruments made
        Histogram<double>? duration = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == SynackMetrics.MeterName && instrument.Name == "synack.connection.duration")
                {
                    duration = (Histogram<double>)instrument;
                }
            },
        };
        listener.Start();

        Assert.NotNull(duration);
        IReadOnlyList<double> buckets = duration.Advice!.HistogramBucketBoundaries!;
        Assert.Contains(0.1, buckets); // sub-second connections are told apart
        Assert.Contains(60.0, buckets);
        Assert.Equal(buckets.Order(), buckets);
    }

    [Fact]
    public async Task RejectedConnectionsAreCounted()
    {
        using var metrics = new Collector();
        await using var server = Loopback.StartServer(Loopback.LineEcho, o => o.MaxConnections = 1);
        metrics.Port = server.EndPoint().Port;
        using Socket first = await Loopback.ConnectRawAsync(server.EndPoint());
        await Loopback.Until(() => server.ActiveConnections == 1);

        using (Socket second = await Loopback.ConnectRawAsync(server.EndPoint()))
        {
            Assert.Empty(await second.ReadToEndAsync());
        }

        Assert.Equal(1, metrics.Sum("synack.connection.rejected", "server"));
    }
}
