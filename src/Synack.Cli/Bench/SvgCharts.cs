using System.Globalization;
using System.Net;
using System.Text;

namespace Synack.Cli.Bench;

/// <summary>One line of a chart: its name (the legend) and its points.</summary>
internal sealed record ChartLine(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// Inline SVG line charts for the HTML reports (no scripts, no external files). The latency chart puts percentiles on
/// a "nines" axis (90 %, 99 %, 99.9 % ... equally spaced, as HdrHistogram's plotter does) so the tail is visible, and
/// labels latency in µs or ms.
/// </summary>
internal static class SvgCharts
{
    private const int Width = 760;
    private const int Height = 340;
    private const int Left = 72;
    private const int Right = 44; // room for the last x label (99.999%)
    private const int Top = 24;
    private const int Bottom = 44;
    private const double MaxNines = 5; // 99.999 %
    private static readonly string[] Colors = ["#1f6feb", "#d1242f", "#1a7f37", "#8250df", "#bf8700", "#0598bc"];

    /// <summary>Latency by percentile, one line per run.</summary>
    public static string Percentiles(string title, IReadOnlyList<ChartLine> lines) =>
        Chart(title, "latency-by-percentile", lines.Select(l => l with { Points = l.Points.Where(p => p.X < 100).Select(p => (Math.Min(MaxNines, Nines(p.X)), p.Y)).ToArray() }).ToArray(),
            [(0, "0%"), (1, "90%"), (2, "99%"), (3, "99.9%"), (4, "99.99%"), (5, "99.999%")], 0, MaxNines, Latency);

    /// <summary>A value over the seconds of the window.</summary>
    public static string OverTime(string title, string id, IReadOnlyList<ChartLine> lines, Func<double, string> format)
    {
        double last = Math.Max(1, lines.SelectMany(l => l.Points).Select(p => p.X).DefaultIfEmpty(1).Max());
        var ticks = Enumerable.Range(0, 6).Select(i => (last * i / 5, $"{last * i / 5:0.#} s")).ToArray();
        return Chart(title, id, lines, ticks, 0, last, format);
    }

    /// <summary>Latency in microseconds, readable: µs below 1 ms, ms below 1 s, then s.</summary>
    public static string Latency(double microseconds) => microseconds switch
    {
        < 1000 => string.Create(CultureInfo.InvariantCulture, $"{microseconds:0.#} µs"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{microseconds / 1000:0.##} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{microseconds / 1_000_000:0.##} s"),
    };

    private static double NiceStep(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / power;
        return power * (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10);
    }

    private static double Nines(double percentile) => percentile >= 100 ? MaxNines : -Math.Log10(1 - (percentile / 100));

    private static string Chart(string title, string id, IReadOnlyList<ChartLine> lines, IReadOnlyList<(double At, string Label)> xTicks,
        double xMin, double xMax, Func<double, string> format)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<figure id="{id}"><figcaption>{WebUtility.HtmlEncode(title)}</figcaption>""");
        if (lines.All(l => l.Points.Count == 0))
        {
            svg.Append("""<p class="empty">No samples: nothing was measured in the window (see the errors above).</p></figure>""");
            return svg.ToString();
        }

        // Round ticks (1, 2 or 5 times a power of ten), so the labels read 5 ms, 10 ms, ... rather than 5.96 ms.
        double highest = Math.Max(1e-9, lines.SelectMany(l => l.Points).Max(p => p.Y));
        double step = NiceStep(highest / 4);
        double yMax = Math.Ceiling(highest / step) * step;
        double X(double x) => Left + ((x - xMin) / Math.Max(1e-9, xMax - xMin) * (Width - Left - Right));
        double Y(double y) => Height - Bottom - (y / yMax * (Height - Top - Bottom));
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" role="img" aria-label="{WebUtility.HtmlEncode(title)}">""");
        foreach ((double at, string label) in xTicks)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="grid" x1="{X(at):F1}" y1="{Top}" x2="{X(at):F1}" y2="{Height - Bottom}"/><text x="{X(at):F1}" y="{Height - Bottom + 16}" text-anchor="middle">{WebUtility.HtmlEncode(label)}</text>""");
        }

        for (double value = 0; value <= yMax + (step / 2); value += step)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="grid" x1="{Left}" y1="{Y(value):F1}" x2="{Width - Right}" y2="{Y(value):F1}"/><text x="{Left - 6}" y="{Y(value) + 4:F1}" text-anchor="end">{WebUtility.HtmlEncode(format(value))}</text>""");
        }

        for (int i = 0; i < lines.Count; i++)
        {
            string color = Colors[i % Colors.Length];
            string points = string.Join(' ', lines[i].Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.X):F1},{Y(p.Y):F1}")));
            svg.Append(CultureInfo.InvariantCulture, $"""<polyline class="line" style="stroke:{color}" points="{points}"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left + 8}" y="{Top + 14 + (i * 16)}" style="fill:{color}">{WebUtility.HtmlEncode(lines[i].Name)}</text>""");
        }

        svg.Append("</svg></figure>");
        return svg.ToString();
    }
}
