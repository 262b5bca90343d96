using System.Text.RegularExpressions;
using Synack.FunctionalTests.Infrastructure;

namespace Synack.FunctionalTests.Samples;

/// <summary>
/// The hosted HTTP sample against the real clients: curl, ApacheBench (ab -k) and wrk, each run bounded (a short fixed
/// request count or duration, killed by its handle past a generous limit). .ci/run installs them; under CI a missing one fails.
/// </summary>
public sealed partial class HttpServerToolTests
{
    private const string Curl = "/usr/bin/curl", Ab = "/usr/bin/ab", Wrk = "/usr/bin/wrk";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CurlReusesOneConnectionForTwoUrlsInOneCommand()
    {
        if (!ExternalTool.IsInstalled(Curl, "curl"))
        {
            return;
        }

        await using HttpSample sample = await HttpSample.StartAsync();
        var run = await ExternalTool.RunAsync(Curl,
            ["-sS", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\n", sample.Url("/hello"), sample.Url("/small.txt")], Limit);

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal("200 1\n200 0\n", run.Output); // the second URL made no new connection
    }

    [Theory]
    [InlineData("Transfer-Encoding: chunked", "> Transfer-Encoding: chunked")] // a chunked upload
    [InlineData("Expect: 100-continue", "< HTTP/1.1 100 Continue")]            // the interim reply, then the body
    public async Task CurlUploadsChunkedOrAfter100ContinueAndGetsItsBodyBackWhole(string header, string verboseLine)
    {
        await using HttpSample? sample = await StartIfInstalledAsync(Curl, "curl");
        if (sample is null)
        {
            return;
        }

        var (run, sent, echoed) = await CurlUploadAsync(sample, 200_000, header);

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal("200", run.Output);
        Assert.Contains(verboseLine, run.Error);
        Assert.Equal(sent, echoed);
    }

    [Fact]
    public async Task CurlsExpect100ContinueWithABodyOverTheLimitIsRefusedWith413()
    {
        await using HttpSample? sample = await StartIfInstalledAsync(Curl, "curl", "--Http:MaxBodyLength=65536");
        if (sample is null)
        {
            return;
        }

        var (run, _, _) = await CurlUploadAsync(sample, 100_000, "Expect: 100-continue");

        Assert.Equal("413", run.Output);
        Assert.DoesNotContain("100 Continue", run.Error);
    }

    /// <summary>The sample, or null when <paramref name="tool"/> is missing (outside CI; under CI that fails the test).</summary>
    private static async Task<HttpSample?> StartIfInstalledAsync(string tool, string package, params string[] settings) =>
        ExternalTool.IsInstalled(tool, package) ? await HttpSample.StartAsync(settings) : null;

    /// <summary>
    /// curl POSTs <paramref name="size"/> bytes to /echo with <paramref name="header"/>; returns its run, what it sent and
    /// what came back. A long expect100-timeout: with 100-continue, curl sends the body because it got 100 Continue, not
    /// because it gave up waiting (its default is 1 s).
    /// </summary>
    private static async Task<(ExternalTool.Result Run, byte[] Sent, byte[] Echoed)> CurlUploadAsync(HttpSample sample, int size, string header)
    {
        string upload = Path.Combine(sample.Root, "upload.bin"), echoed = Path.Combine(sample.Root, "echoed.bin");
        await File.WriteAllBytesAsync(upload, HttpSample.Big[..size]);
        var run = await ExternalTool.RunAsync(Curl,
            ["-sS", "-v", "-H", header, "--expect100-timeout", "50", "--data-binary", "@" + upload, "-o", echoed, "-w", "%{http_code}", sample.Url("/echo")], Limit);
        return (run, HttpSample.Big[..size], File.Exists(echoed) ? await File.ReadAllBytesAsync(echoed) : []);
    }

    [Fact]
    public async Task ApacheBenchWithKeepAliveCompletesEveryRequestOnKeptAliveConnectionsWithoutFailures()
    {
        if (!ExternalTool.IsInstalled(Ab, "apache2-utils"))
        {
            return;
        }

        await using HttpSample sample = await HttpSample.StartAsync();
        var run = await ExternalTool.RunAsync(Ab, ["-k", "-q", "-n", "2000", "-c", "4", sample.Url("/small.txt")], Limit);

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Matches(@"Complete requests:\s+2000\n", run.Output);
        Assert.Matches(@"Failed requests:\s+0\n", run.Output);
        Assert.Matches(@"Keep-Alive requests:\s+2000\n", run.Output); // HTTP/1.0 keep-alive, every one
        Assert.DoesNotContain("Non-2xx", run.Output);
    }

    [Fact]
    public async Task WrkForOneSecondOnFourConnectionsSeesNoErrorsAndNoNon2xxReplies()
    {
        if (!ExternalTool.IsInstalled(Wrk, "wrk"))
        {
            return;
        }

        await using HttpSample sample = await HttpSample.StartAsync();
        var run = await ExternalTool.RunAsync(Wrk, ["-t1", "-c4", "-d1s", "--latency", sample.Url("/hello")], Limit);

        Assert.True(run.ExitCode == 0, run.All);
        Match requests = RequestsLine().Match(run.Output);
        Assert.True(requests.Success && long.Parse(requests.Groups[1].Value) > 0, run.Output);
        Assert.DoesNotContain("Socket errors", run.Output); // wrk prints the line only when there were some
        Assert.DoesNotContain("Non-2xx", run.Output);
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsLine();
}
