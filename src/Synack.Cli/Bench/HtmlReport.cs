using System.Globalization;
using System.Net;
using System.Text;

namespace Synack.Cli.Bench;

/// <summary>
/// A self-contained HTML page a person would share (no external files): run metadata, the results, the latency by
/// percentile on a "nines" axis, throughput and p99 over time, errors by kind over time, and a clear "no samples" state.
/// <see cref="RenderComparison"/> draws two runs side by side with their ratios.
/// </summary>
internal static class HtmlReport
{
    private const string Style = """
        <style>body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:60em}table{border-collapse:collapse;margin:1em 0}
        td,th{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:right}th{text-align:left}
        .line{fill:none;stroke-width:2}.grid{stroke:#ddd;stroke-width:1}text{font-size:12px;fill:#444}figure{margin:1.5em 0}
        figcaption{font-weight:600;margin-bottom:.5em}.empty{color:#a40e26}.warn{color:#a40e26;font-weight:600}</style>
        """;

    public static string Render(BenchResult result)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>synack bench {E(result.Target)}</title>{Style}</head><body>
            <h1>synack bench {E(result.Target)}</h1>
            """);
        html.Append(Metadata(result));
        html.Append(Results(result));
        var lines = new List<ChartLine> { new(result.TargetRate is null ? "round trip" : "from intended send (corrected)", Points(result.LatencyPercentiles)) };
        if (result.UncorrectedPercentiles is { } uncorrected)
        {
            lines.Add(new ChartLine("from actual send (uncorrected)", Points(uncorrected)));
        }

        html.Append(SvgCharts.Percentiles("Latency by percentile", result.Messages == 0 ? [] : lines));
        html.Append(SvgCharts.OverTime("Throughput over time (replies/s)", "throughput-over-time",
            [new ChartLine("replies/s", result.Series.Select(s => (s.Second, (double)s.Messages)).ToArray())], v => v.ToString("N0", CultureInfo.InvariantCulture)));
        html.Append(SvgCharts.OverTime("p99 over time", "p99-over-time",
            [new ChartLine("p99", result.Series.Where(s => s.Messages > 0).Select(s => (s.Second, s.P99Microseconds)).ToArray())], SvgCharts.Latency));
        string[] kinds = result.Series.SelectMany(s => s.Errors.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        html.Append(kinds.Length == 0
            ? """<figure id="errors-over-time"><figcaption>Errors over time</figcaption><p>No errors.</p></figure>"""
            : SvgCharts.OverTime("Errors over time, by kind", "errors-over-time",
                kinds.Select(k => new ChartLine(k, result.Series.Select(s => (s.Second, (double)s.Errors.GetValueOrDefault(k))).ToArray())).ToArray(),
                v => v.ToString("N0", CultureInfo.InvariantCulture)));
        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>Two runs side by side: their settings, each figure with the ratio B/A, and both latency curves on one chart.</summary>
    public static string RenderComparison(BenchResult a, BenchResult b, string nameA, string nameB)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>synack bench compare</title>{Style}</head><body>
            <h1>synack bench: {E(nameA)} vs {E(nameB)}</h1>
            <table><tr><th></th><th>A: {E(nameA)}</th><th>B: {E(nameB)}</th><th>B / A</th></tr>
            """);
        foreach (BenchComparison.Row row in BenchComparison.Rows(a, b))
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(row.Name)}</th><td>{E(row.A)}</td><td>{E(row.B)}</td><td>{E(row.Ratio)}</td></tr>");
        }

        html.Append("</table>");
        html.Append(SvgCharts.Percentiles("Latency by percentile",
            new[] { (a, nameA), (b, nameB) }.Where(r => r.Item1.Messages > 0).Select(r => new ChartLine(r.Item2, Points(r.Item1.LatencyPercentiles))).ToArray()));
        html.Append(SvgCharts.OverTime("Throughput over time (replies/s)", "throughput-over-time",
            [new ChartLine(nameA, a.Series.Select(s => (s.Second, (double)s.Messages)).ToArray()), new ChartLine(nameB, b.Series.Select(s => (s.Second, (double)s.Messages)).ToArray())],
            v => v.ToString("N0", CultureInfo.InvariantCulture)));
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static (double, double)[] Points(IReadOnlyList<LatencyPoint> points) => points.Select(p => (p.Percentile, p.Microseconds)).ToArray();

    private static string Metadata(BenchResult r) => string.Create(CultureInfo.InvariantCulture, $"""
        <table id="metadata">
        <tr><th>started</th><td>{r.StartedAt:yyyy-MM-dd HH:mm:ss} UTC</td></tr>
        <tr><th>command</th><td>{E(r.CommandLine)}</td></tr>
        <tr><th>synack</th><td>{E(r.Version)}</td></tr>
        <tr><th>client</th><td>{E(r.ClientEngine)}</td></tr>
        <tr><th>server</th><td>{E(r.Target)}{(r.EmbeddedServer ? $" (embedded Synack echo server, {E(r.ServerTransport ?? "")} transport)" : "")}</td></tr>
        <tr><th>workload</th><td>{E(r.Protocol)}{(r.Command is null ? "" : " " + E(r.Command))}, {r.Connections} connection(s) × {r.Pipeline} in flight × {r.Size} B{(r.Protocol == "echo" ? $", framing {E(r.Framing)}" : "")}{(r.TargetRate is { } rate ? $", open loop at {rate:N0} req/s" : ", closed loop")}</td></tr>
        <tr><th>window</th><td>warm-up {r.WarmupSeconds:0.##} s, measured {r.DurationSeconds:0.##} s</td></tr>
        </table>
        """);

    private static string Results(BenchResult r)
    {
        var html = new StringBuilder("<table id=\"results\">");
        void Row(string name, string value) => html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(name)}</th><td>{E(value)}</td></tr>");
        Row("throughput", string.Create(CultureInfo.InvariantCulture, $"{r.MessagesPerSecond:N0} replies/s ({r.MebibytesPerSecond:F2} MiB/s)"));
        Row("replies", string.Create(CultureInfo.InvariantCulture, $"{r.Messages:N0}"));
        if (r.TargetRate is { } rate)
        {
            Row("target rate", r.RateReached == true ? string.Create(CultureInfo.InvariantCulture, $"{rate:N0}/s, reached")
                : string.Create(CultureInfo.InvariantCulture, $"{rate:N0}/s, NOT reached ({r.MessagesPerSecond / rate:P0})"));
        }

        Row("p50 / p90 / p99 / p99.9 / max", string.Join(" / ", new[] { r.P50Microseconds, r.P90Microseconds, r.P99Microseconds, r.P999Microseconds, r.MaxMicroseconds }.Select(SvgCharts.Latency)));
        if (r.UncorrectedP99Microseconds is { } uncorrected)
        {
            Row("p99 uncorrected", SvgCharts.Latency(uncorrected));
        }

        if (r.Connects > 0)
        {
            Row("connects", string.Create(CultureInfo.InvariantCulture, $"{r.Connects:N0} ({r.ConnectsPerSecond:N0}/s), p50 {SvgCharts.Latency(r.ConnectP50Microseconds)}, p99 {SvgCharts.Latency(r.ConnectP99Microseconds)}"));
        }

        Row("CPU (bench process)", string.Create(CultureInfo.InvariantCulture, $"{r.CpuPercent:F0} % of a core, {r.CpuMicrosecondsPerMessage:F1} µs/reply"));
        Row("errors", r.ErrorCount == 0 ? "0" : string.Join(", ", r.Errors.Select(e => $"{e.Key} {e.Value}")));
        html.Append("</table>");
        if (r.Messages == 0)
        {
            html.Append("<p class=\"warn\">No samples: no reply completed inside the measured window.</p>");
        }

        return html.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
