using System.Globalization;

namespace Synack.Cli.Bench;

/// <summary>The figures two runs are compared on, each with its ratio B / A.</summary>
internal static class BenchComparison
{
    /// <summary>One compared figure, formatted.</summary>
    internal sealed record Row(string Name, string A, string B, string Ratio);

    public static IEnumerable<Row> Rows(BenchResult a, BenchResult b)
    {
        yield return Text("target", a.Target, b.Target);
        yield return Text("workload", Workload(a), Workload(b));
        yield return Text("client", a.ClientEngine, b.ClientEngine);
        yield return Number("throughput (replies/s)", a.MessagesPerSecond, b.MessagesPerSecond, v => v.ToString("N0", CultureInfo.InvariantCulture));
        yield return Number("p50", a.P50Microseconds, b.P50Microseconds, SvgCharts.Latency);
        yield return Number("p90", a.P90Microseconds, b.P90Microseconds, SvgCharts.Latency);
        yield return Number("p99", a.P99Microseconds, b.P99Microseconds, SvgCharts.Latency);
        yield return Number("p99.9", a.P999Microseconds, b.P999Microseconds, SvgCharts.Latency);
        yield return Number("max", a.MaxMicroseconds, b.MaxMicroseconds, SvgCharts.Latency);
        yield return Number("CPU µs/reply", a.CpuMicrosecondsPerMessage, b.CpuMicrosecondsPerMessage, v => v.ToString("F2", CultureInfo.InvariantCulture));
        yield return Number("errors", a.ErrorCount, b.ErrorCount, v => v.ToString("N0", CultureInfo.InvariantCulture));
    }

    private static string Workload(BenchResult r) =>
        $"{r.Protocol}{(r.Command is null ? "" : " " + r.Command)} -c {r.Connections} -P {r.Pipeline} -s {r.Size}{(r.TargetRate is { } rate ? $" --rate {rate:0}" : "")}";

    private static Row Text(string name, string a, string b) => new(name, a, b, a == b ? "same" : "differs");

    private static Row Number(string name, double a, double b, Func<double, string> format) =>
        new(name, format(a), format(b), a == 0 ? (b == 0 ? "1.00x" : "—") : string.Create(CultureInfo.InvariantCulture, $"{b / a:F2}x"));
}
