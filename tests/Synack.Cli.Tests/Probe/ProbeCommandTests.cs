
namespace Synack.Cli.Tests.Probe;

public sealed class ProbeCommandTests
{
    [Fact]
    public async Task ProbeOfAClosedPortReportsRefusedAndExitsWithTheRefusedCode()
    {
        CliResult result = await CliRunner.RunAsync(["probe", $"127.0.0.1:{Loopback.UnusedPort()}"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Matches(@"connect  127\.0\.0\.1:\d+ +refused +[\d.]+ (µs|ms|s)  connection refused", result.Output);
        Assert.Contains("result   unreachable: refused", result.Output);
    }

    [Fact]
    public async Task ProbeOfAListeningPortShowsTheEndpointsAndTheSocketOptionsInEffect()
    {
        await using var serve = await CliRunner.ServeAsync("echo");

        CliResult result = await CliRunner.RunAsync(["probe", $"localhost:{serve.EndPoint.Port}"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("resolve  localhost -> ", result.Output);
        Assert.Matches($@"connected .* local 127\.0\.0\.1:\d+ -> remote 127\.0\.0\.1:{serve.EndPoint.Port}", result.Output);
        Assert.Contains("TCP_NODELAY on · SO_KEEPALIVE on (idle 30 s, interval 10 s, 3 probes) · TCP_USER_TIMEOUT 60 s", result.Output);
        Assert.Contains("result   reachable", result.Output);
    }

    [Fact]
    public async Task ProbeOfABlackHoleReportsATimeoutPerAddress()
    {
        using var blackHole = new BlackHole();

        CliResult result = await CliRunner.RunAsync(["probe", $"127.0.0.1:{blackHole.EndPoint.Port}", "--timeout", "300ms"]);

        Assert.Equal(4, result.ExitCode);
        Assert.Matches(@"connect  127\.0\.0\.1:\d+ +timeout", result.Output);
    }
}
