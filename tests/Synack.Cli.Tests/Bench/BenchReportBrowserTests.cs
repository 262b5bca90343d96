using System.Diagnostics;
using Synack.FunctionalTests.Infrastructure;

namespace Synack.Cli.Tests.Bench;

/// <summary>bench's HTML reports in a real browser: headless Chromium loads them without errors and draws the charts.</summary>
public sealed class BenchReportBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>Loads <paramref name="page"/> in headless Chromium: the DOM after load, the console's errors, and a screenshot.</summary>
    private static async Task<(string Dom, string Log, long ScreenshotBytes)> LoadAsync(string page)
    {
        string profile = Directory.CreateTempSubdirectory("synack-chromium-").FullName;
        string screenshot = Path.Combine(profile, "page.png");
        try
        {
            async Task<(string, string)> RunAsync(params string[] extra)
            {
                var start = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (string argument in new[]
                {
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                }.Concat(extra).Append(new Uri(page).AbsoluteUri))
                {
                    start.ArgumentList.Add(argument);
                }

                using Process browser = Process.Start(start)!;
                Task<string> output = browser.StandardOutput.ReadToEndAsync();
                Task<string> error = browser.StandardError.ReadToEndAsync();
                await browser.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
                return (await output, await error);
            }

            (string dom, string log) = await RunAsync("--dump-dom");
            (_, string shotLog) = await RunAsync($"--screenshot={screenshot}", "--window-size=900,2400");
            return (dom, log + shotLog, File.Exists(screenshot) ? new FileInfo(screenshot).Length : 0);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    private static void AssertNoScriptErrors(string log) =>
        Assert.DoesNotContain(log.Split('\n'), line => line.Contains("CONSOLE", StringComparison.Ordinal) && line.Contains("Uncaught", StringComparison.Ordinal));

    [Fact]
    public async Task TheReportAndTheComparisonLoadInHeadlessChromiumWithTheirChartsAndNoScriptErrors()
    {
        if (!File.Exists(Chromium))
        {
            Loopback.SkipUnlessCi("chromium (.ci/run installs it)");
            return;
        }

        string dir = Directory.CreateTempSubdirectory("synack-report-").FullName;
        try
        {
            string a = Path.Combine(dir, "a.json"), b = Path.Combine(dir, "b.json");
            string report = Path.Combine(dir, "report.html"), comparison = Path.Combine(dir, "compare.html");
            Assert.Equal(0, (await CliRunner.RunAsync(["bench", "-c", "2", "-d", "2s", "-w", "0", "--json", a, "--html", report])).ExitCode);
            Assert.Equal(0, (await CliRunner.RunAsync(["bench", "-c", "2", "-P", "4", "-d", "300ms", "-w", "0", "--json", b])).ExitCode);
            Assert.Equal(0, (await CliRunner.RunAsync(["bench", "compare", a, b, "--html", comparison])).ExitCode);

            (string dom, string log, long shot) = await LoadAsync(report);
            Assert.Contains("id=\"latency-by-percentile\"", dom);
            Assert.Contains("id=\"throughput-over-time\"", dom);
            Assert.Contains("id=\"p99-over-time\"", dom);
            Assert.Contains("<polyline", dom);
            Assert.Contains("99.99%", dom); // the nines axis
            Assert.Contains("id=\"metadata\"", dom);
            AssertNoScriptErrors(log);
            Assert.True(shot > 10_000, $"a {shot}-byte screenshot: nothing was drawn");

            (string compared, string compareLog, _) = await LoadAsync(comparison);
            Assert.Contains("B / A", compared);
            Assert.True(System.Text.RegularExpressions.Regex.Matches(compared, "<polyline").Count >= 2, "both runs' latency curves");
            AssertNoScriptErrors(compareLog);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task AReportOfARunThatMeasuredNothingSaysNoSamplesInsteadOfDrawingAnEmptyChart()
    {
        string page = Path.Combine(Path.GetTempPath(), $"synack-empty-{Guid.NewGuid():N}.html");
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        int port = ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port; // bound, never listening: connects are refused
        try
        {
            CliResult result = await CliRunner.RunAsync(["bench", $"127.0.0.1:{port}", "-c", "2", "--html", page]);

            Assert.Equal(1, result.ExitCode);
            string html = await File.ReadAllTextAsync(page);
            Assert.Contains("No samples", html);
            Assert.DoesNotContain("<polyline", html);
        }
        finally
        {
            File.Delete(page);
        }
    }
}
