using System.Diagnostics;
using HdrHistogram;

namespace Synack.Cli.Bench;

/// <summary>
/// Takes the measured window apart second by second: each second's latency interval (merged into the totals, and
/// appended to the <c>--hdr</c> interval log, which HdrHistogram's plotter and HistogramLogAnalyzer read), its message
/// count and its errors by kind.
/// </summary>
/// <remarks>
/// HdrHistogram.NET's <see cref="HistogramLogWriter"/> writes UTF-16, which the Java and web tools do not read: the log is
/// written to memory and copied out as ASCII (its whole alphabet: digits, Base64, punctuation) when the run ends.
/// </remarks>
internal sealed class BenchSampler(BenchRecorders recorders, BenchSchedule schedule, Func<IReadOnlyDictionary<string, long>> errors, Stream? hdrLog)
{
    private readonly List<BenchSecond> _series = new();
    private IReadOnlyDictionary<string, long> _lastErrors = new Dictionary<string, long>();
    private HistogramLogWriter? _log;
    private readonly MemoryStream _logText = new();

    /// <summary>Round trips over the window (corrected in open loop).</summary>
    public LongHistogram Latency { get; } = LatencyRecorder.NewHistogram();

    /// <summary>Open loop: round trips from the actual send.</summary>
    public LongHistogram Uncorrected { get; } = LatencyRecorder.NewHistogram();

    /// <summary>Connect times over the window.</summary>
    public LongHistogram Connects { get; } = LatencyRecorder.NewHistogram();

    public IReadOnlyList<BenchSecond> Series => _series;

    /// <summary>Samples once a second from the window's start until <paramref name="stop"/> or the window's end, then once more.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        if (hdrLog is not null)
        {
            _log = new HistogramLogWriter(_logText);
            _log.Write(DateTime.UtcNow);
        }

        try
        {
            await WaitUntilAsync(schedule.MeasureStart, stop).ConfigureAwait(false);
            _ = recorders.Latency.TakeInterval(); // what warm-up left (nothing is recorded before the window, but be exact)
            long second = schedule.MeasureStart;
            while (second < schedule.MeasureEnd)
            {
                second = Math.Min(second + Stopwatch.Frequency, schedule.MeasureEnd);
                await WaitUntilAsync(second, stop).ConfigureAwait(false);
                Sample(second);
            }
        }
        catch (OperationCanceledException)
        {
            Sample(Stopwatch.GetTimestamp());
        }
    }

    /// <summary>Takes whatever was recorded after the last second (replies that completed right at the window's end).</summary>
    public void Finish()
    {
        Latency.Add(recorders.Latency.TakeInterval());
        Uncorrected.Add(recorders.Uncorrected.TakeInterval());
        Connects.Add(recorders.Connects.TakeInterval());
        if (_log is not null && hdrLog is not null)
        {
            _log.Dispose(); // flushes its writer into _logText
            string text = System.Text.Encoding.Unicode.GetString(_logText.ToArray()).TrimStart('\uFEFF');
            byte[] ascii = System.Text.Encoding.ASCII.GetBytes(text);
            hdrLog.Write(ascii);
            hdrLog.Flush();
            _log = null;
        }
    }

    private void Sample(long at)
    {
        LongHistogram interval = recorders.Latency.TakeInterval();
        Latency.Add(interval);
        Uncorrected.Add(recorders.Uncorrected.TakeInterval());
        Connects.Add(recorders.Connects.TakeInterval());
        IReadOnlyDictionary<string, long> now = errors();
        var delta = now.Where(e => e.Value > _lastErrors.GetValueOrDefault(e.Key)).ToDictionary(e => e.Key, e => e.Value - _lastErrors.GetValueOrDefault(e.Key));
        _lastErrors = now;
        double seconds = (at - schedule.MeasureStart) / (double)Stopwatch.Frequency;
        _series.Add(new BenchSecond(Math.Round(seconds, 3), interval.TotalCount,
            interval.TotalCount == 0 ? 0 : interval.GetValueAtPercentile(99) / 1000.0, delta));
        if (_log is not null)
        {
            long end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            interval.StartTimeStamp = end - 1000;
            interval.EndTimeStamp = end;
            _log.Append(interval);
        }
    }

    private static async Task WaitUntilAsync(long timestamp, CancellationToken stop)
    {
        TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, stop).ConfigureAwait(false);
        }
    }
}
