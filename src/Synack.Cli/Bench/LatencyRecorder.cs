using System.Diagnostics;
using HdrHistogram;

namespace Synack.Cli.Bench;

/// <summary>
/// Round-trip latencies in one HdrHistogram per loop thread (a histogram per connection would cost ~200 KB each, and a
/// shared one a lock per message), merged when the run ends.
/// </summary>
internal sealed class LatencyRecorder : IDisposable
{
    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;
    private readonly ThreadLocal<LongHistogram> _perThread = new(NewHistogram, trackAllValues: true);

    /// <summary>A histogram of round trips in nanoseconds, up to one minute, 3 significant digits.</summary>
    public static LongHistogram NewHistogram() => new(60_000_000_000L, 3);

    /// <summary>Records one round trip of <paramref name="ticks"/> Stopwatch ticks, on the calling thread's histogram.</summary>
    public void Record(long ticks) => _perThread.Value!.RecordValue(Math.Min((long)(ticks * NanosPerTick), 60_000_000_000L));

    /// <summary>All threads' histograms merged (call once the connections are done).</summary>
    public LongHistogram Merge()
    {
        LongHistogram all = NewHistogram();
        foreach (LongHistogram histogram in _perThread.Values)
        {
            all.Add(histogram);
        }

        return all;
    }

    public void Dispose() => _perThread.Dispose();
}
