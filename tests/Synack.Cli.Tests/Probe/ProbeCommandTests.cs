
namespace Synack.Cli.Tests.Probe;

public sealed class ProbeCommandTests
{
    [Fact]
    public async Task ProbeOfAClosedPortReportsRefusedAndExitsWithTheRefusedCode()
    {
        CliResult result = await CliRunner.RunAsync(["probe", $"127.0.0.1:{Loopback.UnusedPort()}"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Matches(@"connect  127\.0\.0\.1:\d+ +refused +[\d.]+ (µs|ms|s)  connection refused", result.Output);
        Assert.Contains("result   failed: refused (exit code 3)", result.Output);
        Assert.DoesNotContain("unreachable", result.Output); // that verdict is for no route, not for a refusal
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

    [Fact]
    public async Task ProbeOfAUnixSocketConnectsAndShowsItsBuffers()
    {
        string path = Path.Combine(Path.GetTempPath(), $"synack-probe-{Guid.NewGuid():N}.sock");
        var log = new CapturingWriter();
        using var stop = new CancellationTokenSource();
        Task<int> serve = SynackCli.RunAsync(["serve", "echo", "--listen", $"unix:{path}"], new Synack.Cli.Common.CliConsole(new MemoryStream(), new MemoryStream(), log, Interactive: false), stop.Token);
        await log.LineContaining("listening on");

        CliResult result = await CliRunner.RunAsync(["probe", $"unix:{path}"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches($@"connect  unix:{System.Text.RegularExpressions.Regex.Escape(path)} +connected", result.Output);
        Assert.Contains("options  SO_RCVBUF ", result.Output);
        Assert.Contains("result   reachable", result.Output);
        await stop.CancelAsync();
        Assert.Equal(0, await serve.WaitAsync(Loopback.Patience));
    }

    [Fact]
    public async Task ProbeAndConnectReportAnUnresolvableNameInTheSameWords()
    {
        // A 70-character label is refused by the resolver itself, so no query leaves the machine.
        string host = new string('a', 70) + ".invalid";

        CliResult probe = await CliRunner.RunAsync(["probe", $"{host}:80"]);
        CliResult connect = await CliRunner.RunAsync(["connect", $"{host}:80"]);

        Assert.Equal(6, probe.ExitCode);
        Assert.Equal(6, connect.ExitCode);
        Assert.StartsWith($"synack: resolve tcp {host}:80 : ", connect.Error);
        Assert.Equal(connect.Error, probe.Error);
        Assert.Contains($"resolve  {host} failed after ", probe.Output);
    }
}
