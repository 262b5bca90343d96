using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace Synack.Cli.Bench;

/// <summary>
/// One latency measure (round trips, connect times) recorded from the client loop threads: an HdrHistogram
/// <see cref="Recorder"/> per thread (a shared histogram would cost a lock or an atomic per message; one per connection
/// ~200 KB), read interval by interval without stopping the writers (HdrHistogram's writer-reader phaser), so the run
/// has a total, a per-second series and an interval log.
/// </summary>
internal sealed class LatencyRecorder : IDisposable
{
    /// <summary>The largest value kept: one minute, in nanoseconds.</summary>
    public const long Highest = 60_000_000_000L;

    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;
    private readonly ConcurrentBag<Recorder> _all = new();
    private readonly ThreadLocal<Recorder> _perThread;

    public LatencyRecorder()
    {
        _perThread = new ThreadLocal<Recorder>(() =>
        {
            var recorder = new Recorder(1, Highest, 3, (id, low, high, digits) => new LongHistogram(id, low, high, digits));
            _all.Add(recorder);
            return recorder;
        });
    }

    /// <summary>A histogram of nanoseconds up to one minute, 3 significant digits.</summary>
    public static LongHistogram NewHistogram() => new(Highest, 3);

    /// <summary>Records <paramref name="ticks"/> Stopwatch ticks on the calling thread's recorder.</summary>
    public void Record(long ticks) => Record(ForThisThread(), ticks);

    /// <summary>The calling thread's recorder, for a caller that always records from one thread (a connection on its loop).</summary>
    public Recorder ForThisThread() => _perThread.Value!;

    /// <summary>Records <paramref name="ticks"/> Stopwatch ticks on <paramref name="recorder"/>.</summary>
    public static void Record(Recorder recorder, long ticks) => recorder.RecordValue(ToRecorded(ticks));

    /// <summary>Stopwatch ticks as the value recorded: nanoseconds, within the histogram's range.</summary>
    public static long ToRecorded(long ticks) => Math.Clamp((long)(ticks * NanosPerTick), 1, Highest);

    /// <summary>What every thread recorded since the last call, merged into a new histogram.</summary>
    public LongHistogram TakeInterval()
    {
        LongHistogram interval = NewHistogram();
        foreach (Recorder recorder in _all)
        {
            interval.Add(recorder.GetIntervalHistogram());
        }

        return interval;
    }

    public void Dispose() => _perThread.Dispose();
}
