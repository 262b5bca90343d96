using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Synack.Client;
using Synack.Connections;
using Synack.Diagnostics;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Diagnostics;

public sealed class MetricsTests
{
    /// <summary>
    /// Collects Synack measurements for one server port (other tests run in parallel on other ports): the counters' and
    /// histogram's events as they come, and the observable instruments' cumulative values when <see cref="Observe"/> asks.
    /// </summary>
    internal sealed class Collector : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<(string Name, string Side), double> _observed = new();
        private readonly Dictionary<(string Name, string Side), double> _baseline = new();
        private bool _observing;
        private int _port;

        public Collector(bool start = true)
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
            if (start)
            {
                Start();
            }
        }

        public ConcurrentQueue<(string Name, double Value, Dictionary<string, object?> Tags)> Measurements { get; } = new();

        /// <summary>
        /// The server's port, whose measurements are kept. Setting it notes what the port's counters already hold: their
        /// totals live as long as the process, and a later test's server may get a port an earlier one had (CI's epoll
        /// run, where two tests saw 20 bytes for 9). <see cref="Observe"/> then reports what was added since.
        /// </summary>
        public int Port
        {
            set
            {
                _port = value;
                using var snapshot = new Collector(start: true) { _port = value };
                lock (snapshot._observed)
                {
                    snapshot._observing = true;
                    snapshot._listener.RecordObservableInstruments();
                    snapshot._observing = false;
                    foreach (var (key, total) in snapshot._observed)
                    {
                        _baseline[key] = key.Name == "synack.connection.active" ? 0 : total; // (a gauge: live now, not a total)
                    }
                }
            }
        }

        public void Start() => _listener.Start();

        public double Sum(string name, string side, string? reason = null) => Measurements
            .Where(m => m.Name == name && (string?)m.Tags["synack.side"] == side
                && (reason is null || (string?)m.Tags.GetValueOrDefault("synack.close_reason") == reason))
            .Sum(m => m.Value);

        /// <summary>An observable instrument's value now (as an exporter collects it) for this port and side.</summary>
        public double Observe(string name, string side)
        {
            lock (_observed)
            {
                _observed.Clear();
                _observing = true;
                _listener.RecordObservableInstruments();
                _observing = false;
                return _observed.GetValueOrDefault((name, side)) - _baseline.GetValueOrDefault((name, side));
            }
        }

        public void Dispose() => _listener.Dispose();

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var all = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                all[tag.Key] = tag.Value;
            }

            if (!all.TryGetValue("server.port", out object? port) || port is not int p || p != _port)
            {
                return;
            }

            if (instrument.IsObservable)
            {
                if (_observing)
                {
                    _observed.AddOrUpdate((instrument.Name, (string)all["synack.side"]!), value, (_, v) => v + value);
                }

                return;
            }

            Measurements.Enqueue((instrument.Name, value, all));
        }
    }

    [Fact]
    public async Task ConnectionsAreCountedWhileOpenAndRecordedWithTheirCloseReasonDurationAndBytes()
    {
        using var metrics = new Collector();
        await using var server = Loopback.StartServer(Loopback.LineEcho);
        metrics.Port = server.EndPoint().Port;

        Connection client = await SynackClient.ConnectAsync(server.EndPoint());
        await using (client)
        {
            await client.SendLineAsync("hello");
            Assert.Equal("hello", await client.ReadLineAsync().Within());
            Assert.Equal(1, metrics.Observe("synack.connection.active", "client"));
            await Loopback.Until(() => metrics.Observe("synack.connection.active", "server") == 1);
        }

        // The client's close is recorded before its Closed completes (Connection.OnReleased): no waiting for it (issue 15).
        await client.ClosedWithin();
        Assert.Equal(0, metrics.Observe("synack.connection.active", "client"));
        Assert.Single(metrics.Measurements, m => m.Name == "synack.connection.duration" && (string?)m.Tags["synack.side"] == "client"
            && (string?)m.Tags["synack.close_reason"] == nameof(CloseReason.LocalClose));
        await Loopback.Until(() => server.ActiveConnections == 0);
        Assert.Equal(0, metrics.Observe("synack.connection.active", "server"));
        Assert.Equal(1, metrics.Sum("synack.connection.opened", "server"));
        Assert.Equal(1, metrics.Sum("synack.connection.opened", "client"));
        Assert.Equal(6, metrics.Observe("synack.connection.received", "server"));
        Assert.Equal(6, metrics.Observe("synack.connection.sent", "server"));
        Assert.Single(metrics.Measurements, m => m.Name == "synack.connection.duration" && (string?)m.Tags["synack.side"] == "server"
            && (string?)m.Tags["synack.close_reason"] == nameof(CloseReason.RemoteFin));
        Assert.All(metrics.Measurements, m => Assert.Equal("ipv4", m.Tags["network.type"]));
    }

    public static TheoryData<SynackTransport> Transports => new() { SynackTransport.Sockets, SynackTransport.Epoll };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task BytesOfALongLivedConnectionShowWhileItIsOpenOnEitherTransport(SynackTransport transport)
    {
        using var metrics = new Collector();
        await using var server = Loopback.StartServer(InlineHandlers.Echo, transport);
        metrics.Port = server.EndPoint().Port;
        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint());

        for (int round = 1; round <= 3; round++)
        {
            await client.SendAsync(new byte[1000]);
            Assert.True(await client.ReadExactlyAsync(new byte[1000]).Within());
            // Waited for, not read once: in one full CI run of each of the last two, on epoll, the client's sent count read
            // 1000 with 2000 sent and echoed (not reproduced in 6 runs of this test alone; stop 20's note).
            await Loopback.Until(() => metrics.Observe("synack.connection.received", "client") == 1000 * round);
            await Loopback.Until(() => metrics.Observe("synack.connection.sent", "client") == 1000 * round);
            // The server counts a batch after handling it: the echo may reach the client first.
            await Loopback.Until(() => metrics.Observe("synack.connection.received", "server") == 1000 * round);
            await Loopback.Until(() => metrics.Observe("synack.connection.sent", "server") == 1000 * round);
        }

        Assert.Equal(1, metrics.Observe("synack.connection.active", "server"));
    }

    [Fact]
    public async Task FramesOfAnOpenConnectionShowWhileItIsOpen()
    {
        using var metrics = new Collector();
        await using var server = Loopback.StartServer(Loopback.LineEcho);
        metrics.Port = server.EndPoint().Port;
        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint());
        await client.SendLineAsync("one");
        Assert.Equal("one", await client.ReadLineAsync().Within());
        await client.SendLineAsync("two");
        Assert.Equal("two", await client.ReadLineAsync().Within());

        Assert.Equal(2, metrics.Observe("synack.frames.sent", "client"));
        Assert.Equal(2, metrics.Observe("synack.frames.received", "client"));
        Assert.Equal(2, metrics.Observe("synack.frames.received", "server"));
    }

    [Fact]
    public async Task AListenerThatStartsAfterConnectionsAreOpenSeesThemAsActiveAndNeverBelowZero()
    {
        await using var server = Loopback.StartServer(Loopback.LineEcho);
        using var metrics = new Collector(start: false) { Port = server.EndPoint().Port }; // (notes the port's totals; listens later)
        var clients = new List<Connection>();
        for (int i = 0; i < 3; i++)
        {
            Connection client = await SynackClient.ConnectAsync(server.EndPoint());
            await client.SendLineAsync("hi");
            Assert.Equal("hi", await client.ReadLineAsync().Within());
            clients.Add(client);
        }

        metrics.Start(); // as dotnet-counters attaching to a running server
        Assert.Equal(3, metrics.Observe("synack.connection.active", "server"));
        Assert.Equal(3, metrics.Observe("synack.connection.active", "client"));
        Assert.Equal(9, metrics.Observe("synack.connection.received", "server")); // bytes from before the listener, too

        await clients[0].DisposeAsync();
        await clients[0].ClosedWithin();
        Assert.Equal(2, metrics.Observe("synack.connection.active", "client"));
        foreach (Connection client in clients.Skip(1))
        {
            await client.DisposeAsync();
        }

        await Loopback.Until(() => server.ActiveConnections == 0);
        Assert.Equal(0, metrics.Observe("synack.connection.active", "server"));
        Assert.Equal(0, metrics.Observe("synack.connection.active", "client"));
        Assert.Equal(9, metrics.Observe("synack.connection.received", "server"));
    }

    [Fact]
    public async Task AHandlerFaultHasItsOwnCloseReasonIsCountedAndIsReportedBeforeTheClose()
    {
        using var metrics = new Collector();
        var order = new ConcurrentQueue<string>();
        await using var server = Loopback.StartServer(async c =>
        {
            _ = c.Closed.ContinueWith(t => order.Enqueue($"closed {t.Result}"), TaskScheduler.Default);
            await c.ReadLineAsync();
            throw new InvalidOperationException("handler bug");
        });
        server.HandlerFaulted += (c, e) => order.Enqueue("handler failed");
        metrics.Port = server.EndPoint().Port;

        // The peer's FIN comes before the fault (echo boom | nc): the close is still HandlerFault (the peer gets RST).
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync("boom\n"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReadToEndOrResetAsync());

        await Loopback.Until(() => order.Count == 2);
        Assert.Equal(["handler failed", $"closed {nameof(CloseReason.HandlerFault)}"], order);
        Assert.Single(metrics.Measurements, m => m.Name == "synack.connection.duration" && (string?)m.Tags["synack.side"] == "server"
            && (string?)m.Tags["synack.close_reason"] == nameof(CloseReason.HandlerFault));
        Assert.Single(metrics.Measurements, m => m.Name == "synack.errors" && (string?)m.Tags["synack.side"] == "server"
            && (string?)m.Tags["error.type"] == typeof(InvalidOperationException).FullName && (string?)m.Tags["synack.operation"] == "handler");
    }

    [Fact]
    public async Task ErrorsAreTaggedWithTheServerPortAndSideLikeTheConnectionInstruments()
    {
        using var metrics = new Collector();
        await using var server = Loopback.StartServer(async c =>
        {
            while (await c.ReadLineAsync(maxLength: 16) is { } line)
            {
                await c.SendLineAsync(line);
            }
        });
        metrics.Port = server.EndPoint().Port;
        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint());
        await client.SendAsync(new byte[100]); // no newline within 16 bytes: one oversize line
        await Assert.ThrowsAsync<Synack.Errors.SynackException>(async () => await client.ReadLineAsync().Within());

        await Loopback.Until(() => server.ActiveConnections == 0);
        var error = Assert.Single(metrics.Measurements, m => m.Name == "synack.errors" && (string?)m.Tags["synack.side"] == "server"); // once, not as decode and again as read
        Assert.Equal(("LimitExceeded", "read", "ipv4", "tcp"),
            ((string?)error.Tags["error.type"], (string?)error.Tags["synack.operation"], (string?)error.Tags["network.type"], (string?)error.Tags["network.transport"]));
        Assert.All(metrics.Measurements.Where(m => m.Name == "synack.errors" && (string?)m.Tags["synack.side"] == "client"),
            m => Assert.Equal("Reset", m.Tags["error.type"])); // the RST the client read, on its own side
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
