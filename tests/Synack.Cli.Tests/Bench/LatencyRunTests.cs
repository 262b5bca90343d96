using System.Diagnostics;
using HdrHistogram;
using Synack.Cli.Bench;

namespace Synack.Cli.Tests.Bench;

public class LatencyRunTests
{
    [Fact]
    public void RunsOfEqualLatenciesRecordTheSameHistogramAsOneRecordPerReply()
    {
        long[] ticks = [500, 500, 500, 700, 700, 500, 900, 900, 900, 900, 1];
        var one = new Recorder(1, LatencyRecorder.Highest, 3, (id, low, high, digits) => new LongHistogram(id, low, high, digits));
        var batched = new Recorder(1, LatencyRecorder.Highest, 3, (id, low, high, digits) => new LongHistogram(id, low, high, digits));
        var run = new LatencyRun();
        foreach (long t in ticks)
        {
            LatencyRecorder.Record(one, t * Stopwatch.Frequency / 1_000_000);
            run.Add(batched, t * Stopwatch.Frequency / 1_000_000);
        }

        HistogramBase before = batched.GetIntervalHistogram();
        Assert.True(before.TotalCount < ticks.Length, "the last run is held until the flush");
        run.Flush();
        before.Add(batched.GetIntervalHistogram());

        HistogramBase expected = one.GetIntervalHistogram();
        Assert.Equal(expected.TotalCount, before.TotalCount);
        foreach (double p in new[] { 10.0, 30, 50, 70, 90, 99, 100 })
        {
            Assert.Equal(expected.GetValueAtPercentile(p), before.GetValueAtPercentile(p));
        }
    }
}
