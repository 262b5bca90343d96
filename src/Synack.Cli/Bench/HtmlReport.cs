using System.Globalization;
using System.Net;
using System.Text;

namespace Synack.Cli.Bench;

/// <summary>
/// A self-contained HTML page (no scripts, no external files): the settings, the results, and an SVG latency-by-percentile
/// chart drawn the HdrHistogram way, with the x axis in "nines" (90 %, 99 %, 99.9 % ... equally spaced) so the tail shows.
/// </summary>
internal static class HtmlReport
{
    private const int Width = 720;
    private const int Height = 360;
    private const int Margin = 56;
    private const double MaxNines = 5; // 99.999 %

    public static string Render(BenchResult result)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>synack bench {{E(result.Target)}}</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
            td,th{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:right}th{text-align:left}
            .line{fill:none;stroke:#1f6feb;stroke-width:2}.grid{stroke:#ccc;stroke-width:1}text{font-size:12px}</style></head><body>
            <h1>synack bench {{E(result.Target)}}</h1>
            <p>{{result.Connections}} connection(s) × {{result.Pipeline}} in flight × {{result.Size}} B, framing {{E(result.Framing)}},
            warm-up {{result.WarmupSeconds:0.##}} s, measured {{result.DurationSeconds:0.##}} s{{(result.EmbeddedServer ? ", embedded Synack echo server" : "")}}.</p>
            <table>
            <tr><th>throughput</th><td>{{result.MessagesPerSecond:N0}} msg/s</td></tr>
            <tr><th>payload</th><td>{{result.MebibytesPerSecond:F2}} MiB/s</td></tr>
            <tr><th>messages (verified)</th><td>{{result.Messages:N0}}</td></tr>
            <tr><th>p50 / p90 / p99 / p99.9 / max</th><td>{{result.P50Microseconds:F1}} / {{result.P90Microseconds:F1}} / {{result.P99Microseconds:F1}} / {{result.P999Microseconds:F1}} / {{result.MaxMicroseconds:F1}} µs</td></tr>
            <tr><th>CPU (bench process)</th><td>{{result.CpuPercent:F0}} % of a core, {{result.CpuMicrosecondsPerMessage:F1}} µs/msg</td></tr>
            <tr><th>errors</th><td>{{(result.ErrorCount == 0 ? "0" : E(string.Join(", ", result.Errors.Select(e => $"{e.Key} {e.Value}"))))}}</td></tr>
            </table>
            <h2>Latency by percentile</h2>
            """);
        html.Append(Chart(result.LatencyPercentiles));
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static string Chart(IReadOnlyList<LatencyPoint> points)
    {
        var shown = points.Where(p => p.Percentile < 100).ToArray();
        double top = Math.Max(1, shown.Length == 0 ? 1 : shown.Max(p => p.Microseconds)) * 1.1;
        double X(double percentile) => Margin + Math.Min(MaxNines, Nines(percentile)) / MaxNines * (Width - 2 * Margin);
        double Y(double microseconds) => Height - Margin - microseconds / top * (Height - 2 * Margin);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" role="img" aria-label="latency by percentile">""");
        foreach ((double percentile, string label) in new[] { (0.0, "0%"), (90.0, "90%"), (99.0, "99%"), (99.9, "99.9%"), (99.99, "99.99%"), (99.999, "99.999%") })
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="grid" x1="{X(percentile):F1}" y1="{Margin}" x2="{X(percentile):F1}" y2="{Height - Margin}"/><text x="{X(percentile):F1}" y="{Height - Margin + 16}" text-anchor="middle">{label}</text>""");
        }

        for (int i = 0; i <= 4; i++)
        {
            double value = top * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="grid" x1="{Margin}" y1="{Y(value):F1}" x2="{Width - Margin}" y2="{Y(value):F1}"/><text x="{Margin - 6}" y="{Y(value) + 4:F1}" text-anchor="end">{value:0.#}</text>""");
        }

        string path = string.Join(" ", shown.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.Percentile):F1},{Y(p.Microseconds):F1}")));
        svg.Append(CultureInfo.InvariantCulture, $"""<polyline class="line" points="{path}"/>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Width / 2}" y="{Height - 12}" text-anchor="middle">percentile</text><text x="14" y="{Height / 2}" transform="rotate(-90 14 {Height / 2})" text-anchor="middle">round trip (µs)</text></svg>""");
        return svg.ToString();
    }

    /// <summary>90 % → 1, 99 % → 2, 99.9 % → 3: the HdrHistogram plot's x axis.</summary>
    private static double Nines(double percentile) => percentile >= 100 ? MaxNines : -Math.Log10(1 - percentile / 100);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
