using HdrHistogram;

namespace Synack.Cli.Bench;

/// <summary>
/// Equal latencies in a row, recorded as one <c>RecordValueWithCount</c>. The replies of one recv() share a clock read,
/// and in a closed loop the requests they answer were sent together by the previous batch, so at <c>-P 16</c> a batch is
/// mostly one value: 16 histogram updates become one or two (RecordValue was the client's largest per-message cost at
/// (c), 3.3 % of samples; docs/benchmarks.md). Flushed at the end of every batch, so no count waits past it.
/// </summary>
internal struct LatencyRun
{
    private Recorder? _recorder;
    private long _ticks;
    private long _count;

    /// <summary>Adds one latency of <paramref name="ticks"/> Stopwatch ticks to be recorded on <paramref name="recorder"/>.</summary>
    public void Add(Recorder recorder, long ticks)
    {
        // Compared as ticks and converted once per run, at the flush (BenchClientBenchmarks, stop 21).
        if (_count > 0 && ticks == _ticks && ReferenceEquals(recorder, _recorder))
        {
            _count++;
            return;
        }

        Flush();
        (_recorder, _ticks, _count) = (recorder, ticks, 1);
    }

    /// <summary>Records the run so far.</summary>
    public void Flush()
    {
        if (_count > 0)
        {
            _recorder!.RecordValueWithCount(LatencyRecorder.ToRecorded(_ticks), _count);
            _count = 0;
        }
    }
}
