using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Synack.Cli.Common;
using Synack.Connections;

namespace Synack.Cli.Tests.Connect;

/// <summary>What a netcat user types: <c>HOST PORT</c>, <c>-l PORT</c>, Ctrl-C.</summary>
public sealed class NetcatHabitsTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task ConnectTakesHostAndPortAsTwoArgumentsAsNetcatDoes(string host)
    {
        await using var serve = await CliRunner.ServeAsync("echo");

        CliResult result = await CliRunner.RunAsync(["connect", host, serve.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], "two arguments\n"u8.ToArray());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("two arguments\n", result.Output);
    }

    [Fact]
    public async Task ABadPortAfterTheHostGivesOneClearLineAndTheUsageExitCode()
    {
        CliResult result = await CliRunner.RunAsync(["connect", "127.0.0.1", "http"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("synack: malformed endpoint '127.0.0.1 http': port 'http' is not a number", result.Error);
    }

    [Fact]
    public async Task ListenWithABarePortListensOnLoopbackPrintsWhatThePeerSendsAndSendsItStdin()
    {
        var log = new CapturingWriter();
        var output = new MemoryStream();
        var console = new CliConsole(new MemoryStream("hello from the listener\n"u8.ToArray()), output, log, Interactive: false);
        Task<int> listening = SynackCli.RunAsync(["connect", "--listen", "0"], console);
        string line = await log.LineContaining("listening on");
        Assert.Matches(@"listening on 127\.0\.0\.1:\d+", line); // a bare port means loopback, never every address
        int port = int.Parse(line.Split(' ')[2].Split(':')[1].TrimEnd(';'), System.Globalization.CultureInfo.InvariantCulture);

        using Socket peer = await Loopback.ConnectRawAsync(new IPEndPoint(IPAddress.Loopback, port));
        await peer.SendAsync("what nc -l prints\n"u8.ToArray());
        peer.Shutdown(SocketShutdown.Send);
        byte[] fromStdin = await peer.ReadToEndAsync();

        Assert.Equal(0, await listening.WaitAsync(Loopback.Patience));
        Assert.Equal("what nc -l prints\n", Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal("hello from the listener\n", Encoding.UTF8.GetString(fromStdin));
    }

    [Fact]
    public async Task CtrlCInConnectClosesGracefullySoThePeerSeesEndOfStreamNotAReset()
    {
        var sawEnd = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gotLine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = Loopback.StartServer(async c =>
        {
            try
            {
                await c.ReadLineAsync();
                gotLine.TrySetResult();
                byte[] rest = await c.ReadAllInputAsync(); // completes at the client's FIN; a reset throws
                await c.SendAsync("bye\n"u8.ToArray()); // sent after the client's FIN: it still reads until ours
                sawEnd.TrySetResult($"end of stream after {rest.Length} more byte(s)");
            }
            catch (Exception e)
            {
                sawEnd.TrySetResult($"{e.GetType().Name}: {e.Message}");
            }
        });
        var stdin = new Pipe(); // stdin that stays open, as a terminal does
        await stdin.Writer.WriteAsync("hello\n"u8.ToArray());
        var output = new MemoryStream();
        using var ctrlC = new CancellationTokenSource();
        var console = new CliConsole(stdin.Reader.AsStream(), output, new CapturingWriter(), Interactive: false);
        Task<int> connect = SynackCli.RunAsync(["connect", $"127.0.0.1:{server.EndPoint().Port}"], console, ctrlC.Token);
        await gotLine.Task.WaitAsync(Loopback.Patience);

        await ctrlC.CancelAsync();

        Assert.Equal("end of stream after 0 more byte(s)", await sawEnd.Task.WaitAsync(Loopback.Patience));
        Assert.Equal(0, await connect.WaitAsync(Loopback.Patience));
        Assert.Equal("bye\n", Encoding.UTF8.GetString(output.ToArray())); // the reply sent after our FIN is printed
    }
}
