using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Synack.Cli.Tests.Connect;

public sealed class ConnectCommandTests
{
    [Fact]
    public async Task ConnectCopiesStdinToServeEchoHalfClosesAtEndOfInputAndPrintsTheWholeReply()
    {
        await using var serve = await CliRunner.ServeAsync("echo");
        byte[] input = new byte[1 << 20];
        new Random(3).NextBytes(input);

        CliResult result = await CliRunner.RunAsync(["connect", serve.Target], input);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(input, result.OutputBytes);
    }

    [Fact]
    public async Task ServeAndConnectWorkOverAUnixSocketGivenAsUnixPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"synack-cli-{Guid.NewGuid():N}.sock");
        var log = new CapturingWriter();
        using var stop = new CancellationTokenSource();
        Task<int> serve = SynackCli.RunAsync(["serve", "echo", "--listen", $"unix:{path}"], new Synack.Cli.Common.CliConsole(new MemoryStream(), new MemoryStream(), log, Interactive: false), stop.Token);
        Assert.Contains($"listening on unix:{path}", await log.LineContaining("listening on").WaitAsync(Loopback.Patience));

        CliResult result = await CliRunner.RunAsync(["connect", $"unix:{path}"], "over a unix socket\n"u8.ToArray());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("over a unix socket\n", result.Output);
        await stop.CancelAsync();
        Assert.Equal(0, await serve.WaitAsync(Loopback.Patience));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task ConnectKeepsReadingAfterItsHalfCloseUntilTheServerHasAnswered()
    {
        // This server answers only once it has seen the client's FIN: without a half-close, connect would wait forever.
        await using var server = Loopback.StartServer(async c =>
        {
            byte[] all = await c.ReadAllInputAsync();
            await c.SendAsync(Encoding.ASCII.GetBytes($"got {all.Length} bytes: {Encoding.ASCII.GetString(all).ToUpperInvariant()}"));
        });

        CliResult result = await CliRunner.RunAsync(["connect", $"127.0.0.1:{server.EndPoint().Port}"], "hello\n"u8.ToArray());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("got 6 bytes: HELLO\n", result.Output);
    }

    [Fact]
    public async Task ConnectWithLengthFramingSendsEachLineAsAFrameAndPrintsEachReplyFrameAsALine()
    {
        await using var serve = await CliRunner.ServeAsync("length");

        CliResult result = await CliRunner.RunAsync(["connect", serve.Target, "--framing", "length"], "first\nsecond line\n"u8.ToArray());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("first\nsecond line\n", result.Output);
    }

    [Fact]
    public async Task ConnectToAClosedPortExitsWithTheRefusedCodeAndOneExplainingLine()
    {
        CliResult result = await CliRunner.RunAsync(["connect", $"127.0.0.1:{Loopback.UnusedPort()}"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.Contains("connection refused (no server is listening; retry with backoff)", result.Error);
    }

    [Fact]
    public async Task ConnectToABlackHoleExitsWithTheTimeoutCode()
    {
        using var blackHole = new BlackHole();

        CliResult result = await CliRunner.RunAsync(["connect", $"127.0.0.1:{blackHole.EndPoint.Port}", "--timeout", "300ms"]);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("no connection within 0.3 s (the peer or network stayed silent", result.Error);
    }

    [Fact]
    public async Task ConnectExitsWithTheResetCodeWhenTheServerResetsTheConnection()
    {
        await using var server = Loopback.StartServer(async c =>
        {
            await c.ReadLineAsync();
            c.Abort();
        });

        CliResult result = await CliRunner.RunAsync(["connect", $"127.0.0.1:{server.EndPoint().Port}"], "bye\n"u8.ToArray());

        Assert.Equal(5, result.ExitCode);
        Assert.Contains("connection reset by peer", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1:http")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("::1:7007")]
    [InlineData("[::1]7007")]
    public async Task AMalformedEndpointGivesOneClearLineAndTheUsageExitCode(string target)
    {
        CliResult result = await CliRunner.RunAsync(["connect", target]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("synack: malformed endpoint", result.Error);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task ConnectThroughAProxySlicingToOneByteStillGetsEveryByteBack()
    {
        await using var serve = await CliRunner.ServeAsync("echo");
        var log = new CapturingWriter();
        using var stop = new CancellationTokenSource();
        var console = new Synack.Cli.Common.CliConsole(new MemoryStream(), new MemoryStream(), log, Interactive: false);
        Task<int> proxy = SynackCli.RunAsync(["proxy", "127.0.0.1:0", serve.Target, "--fault", "slicer:size=1"], console, stop.Token);
        string listening = await log.LineContaining("proxy listening on");
        string proxyTarget = listening.Split(' ')[3];

        CliResult result = await CliRunner.RunAsync(["connect", proxyTarget], "sliced to single bytes, and back\n"u8.ToArray());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("sliced to single bytes, and back\n", result.Output);
        await stop.CancelAsync();
        Assert.Equal(0, await proxy.WaitAsync(Loopback.Patience));
        Assert.Contains("proxy stopped after 1 connection(s)", log.Text);
    }

    [Fact]
    public async Task AnUnknownProxyFaultGivesOneClearLineAndTheUsageExitCode()
    {
        CliResult result = await CliRunner.RunAsync(["proxy", "127.0.0.1:0", "127.0.0.1:7", "--fault", "jitterbug"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("synack: --fault jitterbug: unknown fault 'jitterbug'", result.Error);
    }
}
