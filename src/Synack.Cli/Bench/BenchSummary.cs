using HdrHistogram;
using Synack.Cli.Common;

namespace Synack.Cli.Bench;

/// <summary>Turns a run's measurements into the <see cref="BenchResult"/> the table, JSON and HTML show.</summary>
internal static class BenchSummary
{
    /// <summary>The percentiles plotted in the HTML report and written to JSON.</summary>
    private static readonly double[] Plotted =
        [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 97.5, 99, 99.5, 99.75, 99.9, 99.95, 99.99, 99.995, 99.999, 100];

    public static BenchResult Summarize(BenchSettings settings, HostPort target, bool embedded, LoadResult run, string? drain)
    {
        LongHistogram latency = run.Samples.Latency;
        double seconds = run.Seconds;
        double achieved = run.Messages / seconds;
        return new BenchResult
        {
            Target = target.ToString(),
            EmbeddedServer = embedded,
            Connections = settings.Connections,
            Pipeline = settings.Pipeline,
            Size = settings.Size,
            Framing = settings.Framing.ToString().ToLowerInvariant(),
            Protocol = settings.Protocol,
            Command = settings.Protocol == "resp" ? settings.Command ?? "ping" : null,
            WarmupSeconds = settings.Warmup.TotalSeconds,
            DurationSeconds = seconds,
            Messages = run.Messages,
            MessagesPerSecond = achieved,
            MebibytesPerSecond = run.Messages * (double)settings.Size / seconds / (1 << 20),
            P50Microseconds = Us(latency, 50),
            P90Microseconds = Us(latency, 90),
            P99Microseconds = Us(latency, 99),
            P999Microseconds = Us(latency, 99.9),
            MaxMicroseconds = latency.TotalCount == 0 ? 0 : latency.GetMaxValue() / 1000.0,
            MeanMicroseconds = latency.TotalCount == 0 ? 0 : latency.GetMean() / 1000.0,
            LatencyPercentiles = Points(latency),
            TargetRate = settings.Rate,
            RateReached = settings.Rate is { } rate ? achieved >= rate * 0.95 : null, // within 5 %: a short window's edges cost a little
            UncorrectedPercentiles = settings.Rate is null ? null : Points(run.Samples.Uncorrected),
            UncorrectedP99Microseconds = settings.Rate is null ? null : Us(run.Samples.Uncorrected, 99),
            Connects = run.Connects,
            ConnectsPerSecond = run.Connects / seconds,
            ConnectP50Microseconds = Us(run.Samples.Connects, 50),
            ConnectP99Microseconds = Us(run.Samples.Connects, 99),
            Series = run.Samples.Series,
            CpuPercent = run.Cpu.TotalSeconds / seconds * 100,
            CpuMicrosecondsPerMessage = run.Messages == 0 ? 0 : run.Cpu.TotalMicroseconds / run.Messages,
            Errors = run.Errors,
            ServerDrain = drain,
        };
    }

    private static LatencyPoint[] Points(LongHistogram histogram) => Plotted.Select(p => new LatencyPoint(p, Us(histogram, p))).ToArray();

    private static double Us(LongHistogram histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) / 1000.0;
}
