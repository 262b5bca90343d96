using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Synack.Client;
using Synack.Connections;
using Synack.Diagnostics;
using Synack.Framing;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Diagnostics;

/// <summary>Tests that need a quiet process (exact counts of process-wide instruments): they run after the parallel tests.</summary>
[CollectionDefinition(nameof(QuietProcess), DisableParallelization = true)]
public sealed class QuietProcess;

[Collection(nameof(QuietProcess))]
public sealed class FrameAndErrorMetricsTests
{
    [Fact]
    public async Task FramesInAndOutAreCountedPerConnectionAndErrorsByKindAndOperation()
    {
        var measurements = new ConcurrentQueue<(string Name, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SynackMetrics.MeterName && instrument.Name is "synack.frames.received" or "synack.frames.sent" or "synack.errors")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var all = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                all[tag.Key] = tag.Value;
            }

            measurements.Enqueue((instrument.Name, value, all));
        });
        listener.Start();

        var codec = new LengthFieldCodec(new LengthFieldOptions { MaxFrameLength = 1024 });
        await using var server = Loopback.StartServer(async c =>
        {
            var frames = c.CreateFrameReader(codec);
            var writer = c.CreateFrameWriter(codec);
            while (await frames.ReadAsync())
            {
                await writer.WriteAsync(frames.Current.ToArray());
            }
        });
        int port = server.EndPoint().Port;

        // The frame counters are cumulative per port for the life of the process, and an earlier test's server may have
        // had this port (CI's epoll run at stop 20 saw 15 for 3): what they hold now is the baseline.
        measurements.Clear();
        listener.RecordObservableInstruments();
        long receivedBefore = measurements.Where(m => m.Name == "synack.frames.received" && (string?)m.Tags.GetValueOrDefault("synack.side") == "server"
            && m.Tags.GetValueOrDefault("server.port") is int p0 && p0 == port).Sum(m => m.Value);
        long sentBefore = measurements.Where(m => m.Name == "synack.frames.sent" && (string?)m.Tags.GetValueOrDefault("synack.side") == "server"
            && m.Tags.GetValueOrDefault("server.port") is int p1 && p1 == port).Sum(m => m.Value);
        measurements.Clear();

        await using (Connection client = await SynackClient.ConnectAsync(server.EndPoint()))
        {
            var frames = client.CreateFrameReader(codec);
            var writer = client.CreateFrameWriter(codec);
            for (int i = 0; i < 3; i++)
            {
                await writer.WriteAsync(new byte[] { (byte)i });
                Assert.True(await frames.ReadAsync().Within());
            }

            Assert.Equal((3, 3), (client.FramesSent, client.FramesReceived));
        }

        // One peer announces an oversize frame (LimitExceeded), another stops in the middle of one (TruncatedFrame).
        await using (Connection oversize = await SynackClient.ConnectAsync(server.EndPoint()))
        {
            await oversize.SendAsync(new byte[] { 0, 1, 0, 0 }); // 65,536 bytes announced, 1,024 allowed
            await Assert.ThrowsAnyAsync<Exception>(async () => await oversize.ReadLineAsync().Within());
        }

        await using (Connection truncated = await SynackClient.ConnectAsync(server.EndPoint()))
        {
            await truncated.SendAsync(new byte[] { 0, 0, 0, 9, 1, 2 });
            await truncated.CompleteOutputAsync();
            Assert.Null(await truncated.ReadLineAsync().Within());
        }

        static bool ServerSide(Dictionary<string, object?> tags, int port) =>
            (string?)tags.GetValueOrDefault("synack.side") == "server" && tags.GetValueOrDefault("server.port") is int p && p == port;
        long Count(string name, string? errorType = null) => measurements
            .Where(m => m.Name == name && (errorType is null ? ServerSide(m.Tags, port) : (string?)m.Tags["error.type"] == errorType && (string?)m.Tags["synack.operation"] == "read"))
            .Sum(m => m.Value);
        long Observed(string name)
        {
            measurements.Clear();
            listener.RecordObservableInstruments(); // the frame counters are observed, as an exporter collects them
            return Count(name);
        }

        await Loopback.Until(() => server.ActiveConnections == 0);
        Assert.Equal(1, Count("synack.errors", "LimitExceeded")); // counted as the read that the decode error ended, with the connection's tags
        Assert.Equal(1, Count("synack.errors", "TruncatedFrame"));
        Assert.DoesNotContain(measurements, m => m.Name == "synack.errors" && (string?)m.Tags["error.type"] == "Closed");

        // Each failure once: the decode error is not counted again as the read error that carries it (issue 15).
        long AnyOperation(string errorType) => measurements.Where(m => m.Name == "synack.errors" && (string?)m.Tags["error.type"] == errorType).Sum(m => m.Value);
        Assert.Equal(1, AnyOperation("LimitExceeded"));
        Assert.Equal(1, AnyOperation("TruncatedFrame"));
        Assert.All(measurements.Where(m => m.Name == "synack.errors" && (string?)m.Tags["error.type"] is "LimitExceeded" or "TruncatedFrame"),
            m => Assert.True(ServerSide(m.Tags, port)));

        Assert.Equal(3, Observed("synack.frames.received") - receivedBefore);
        Assert.Equal(3, Count("synack.frames.sent") - sentBefore);
    }
}
