using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Synack.Cli.Serve.Services;

namespace Synack.Cli.Tests.Serve;

public sealed class ServeCommandTests
{
    [Fact]
    public async Task ServeEchoRepliesAndOnCtrlCDrainsAndReportsHowManyConnectionsWereDrained()
    {
        await using var serve = await CliRunner.ServeAsync("echo");
        using Socket client = await Loopback.ConnectRawAsync(serve.EndPoint);
        await client.SendAsync("ping"u8.ToArray());
        Assert.Equal("ping"u8.ToArray(), await client.ReadExactlyAsync(4));

        await serve.Stop.CancelAsync();
        Assert.Empty(await client.ReadToEndAsync()); // the idle connection is closed gracefully (FIN)
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal(0, await serve.Running.WaitAsync(Loopback.Patience));
        Assert.Contains("stopped: 1 connection(s) drained, 0 aborted", serve.Log.Text);
    }

    [Fact]
    public async Task ServeVerboseLogsEachConnectionsOpenAndItsCloseReason()
    {
        await using var serve = await CliRunner.ServeAsync("echo", "--verbose");
        using (Socket polite = await Loopback.ConnectRawAsync(serve.EndPoint))
        {
            string peer = $"->{polite.LocalEndPoint} ";
            await serve.Log.LineContaining(peer + "accepted");
            polite.Shutdown(SocketShutdown.Send);
            Assert.Empty(await polite.ReadToEndAsync());
            await serve.Log.LineContaining(peer + "closed: RemoteFin");
        }

        Socket rude = await Loopback.ConnectRawAsync(serve.EndPoint);
        string rudePeer = $"->{rude.LocalEndPoint} ";
        await serve.Log.LineContaining(rudePeer + "accepted");
        rude.Reset();

        await serve.Log.LineContaining(rudePeer + "closed: RemoteReset");
    }

    [Fact]
    public async Task ServeVerboseKeepsEchoOnTheEpollTransportAndSaysTheInlineFastPathIsOff()
    {
        bool epoll = OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture
            is System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64;
        await using var serve = await CliRunner.ServeAsync("echo", "-v");
        using Socket client = await Loopback.ConnectRawAsync(serve.EndPoint);
        await serve.Log.LineContaining($"->{client.LocalEndPoint} accepted"); // the log -v asked for, on that transport
        await client.SendAsync("logged\n"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal("logged\n", Encoding.ASCII.GetString(await client.ReadToEndAsync()));

        string listening = await serve.Log.LineContaining("listening on");
        Assert.Contains(epoll ? "epoll transport" : "sockets transport", listening);
        Assert.Contains("async handler for -v logging, inline fast path off", listening);
    }

    [Theory]
    [InlineData("lines", "framing line")]
    [InlineData("length", "framing length")]
    [InlineData("echo", "framing raw")]
    [InlineData("daytime", "framing raw")]
    public async Task ServeNamesTheFramingTheServiceSpeaks(string service, string framing)
    {
        await using var serve = await CliRunner.ServeAsync(service);

        Assert.Contains($"({framing}, ", await serve.Log.LineContaining("listening on"));
    }

    [Fact]
    public async Task ServeEchoWithLineFramingEchoesWholeLines()
    {
        await using var serve = await CliRunner.ServeAsync("echo", "--framing", "line");
        using Socket client = await Loopback.ConnectRawAsync(serve.EndPoint);
        await client.SendAsync("one\ntw"u8.ToArray());
        await client.SendAsync("o\n"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("one\ntwo\n", Encoding.ASCII.GetString(await client.ReadToEndAsync()));
    }

    [Fact]
    public async Task ServeEchoOnTheEpollTransportSaysSoAndEchoes()
    {
        await using var serve = await CliRunner.ServeAsync("echo", "--transport", "epoll");
        using Socket client = await Loopback.ConnectRawAsync(serve.EndPoint);
        await client.SendAsync("over epoll\n"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("over epoll\n", Encoding.ASCII.GetString(await client.ReadToEndAsync()));
        Assert.Contains("epoll transport", serve.Log.Text);
    }

    [Fact]
    public async Task ServeChargenStreamsTheRfc864PatternUntilThePeerCloses()
    {
        await using var serve = await CliRunner.ServeAsync("chargen");
        using Socket client = await Loopback.ConnectRawAsync(serve.EndPoint);
        const int Lines = 200; // more than the 95-line cycle
        byte[] received = await client.ReadExactlyAsync(Lines * (ChargenService.LineLength + 2));

        for (int i = 0; i < Lines; i++)
        {
            byte[] line = received.AsSpan(i * 74, 74).ToArray();
            Assert.Equal(ChargenService.Line(i).ToArray(), line);
        }

        // The first two lines of RFC 864's example.
        Assert.Equal("!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefgh\r\n", Encoding.ASCII.GetString(received, 0, 74));
        Assert.Equal("\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghi\r\n", Encoding.ASCII.GetString(received, 74, 74));
    }

    [Fact]
    public async Task ServeDaytimeSendsOneLineThenClosesGracefully()
    {
        await using var serve = await CliRunner.ServeAsync("daytime");
        using Socket client = await Loopback.ConnectRawAsync(serve.EndPoint);
        string line = Encoding.ASCII.GetString(await client.ReadToEndAsync());

        Assert.EndsWith("\r\n", line);
        Assert.Single(line.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(DateTime.Now.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), line);
    }

    [Fact]
    public async Task ServeLinesAnswersEachCommandWithOneLineAndClosesOnQuit()
    {
        await using var serve = await CliRunner.ServeAsync("lines");
        using Socket client = await Loopback.ConnectRawAsync(serve.EndPoint);
        await client.SendAsync("PING\necho hello world\nFROB\nQUIT\n"u8.ToArray());

        string[] replies = Encoding.ASCII.GetString(await client.ReadToEndAsync()).Split('\n');
        Assert.Equal(["PONG", "hello world", "ERR unknown command 'FROB'", "BYE", ""], replies);
    }

    [Fact]
    public async Task ServeLengthEchoesLengthPrefixedFramesWhateverTheSegmentation()
    {
        await using var serve = await CliRunner.ServeAsync("length");
        using Socket client = await Loopback.ConnectRawAsync(serve.EndPoint);
        byte[] frame = new byte[4 + 5];
        BinaryPrimitives.WriteInt32BigEndian(frame, 5);
        "hello"u8.CopyTo(frame.AsSpan(4));
        foreach (byte b in frame)
        {
            await client.SendAsync(new[] { b }); // one byte at a time
        }

        Assert.Equal(frame, await client.ReadExactlyAsync(frame.Length));
    }

    [Fact]
    public async Task ServeOnABusyPortFailsWithOneLineAndTheAddressInUseExitCode()
    {
        await using var first = await CliRunner.ServeAsync("echo");

        CliResult second = await CliRunner.RunAsync(["serve", "--listen", first.Target]);

        Assert.Equal(8, second.ExitCode);
        Assert.Contains("address already in use", second.Error);
        Assert.DoesNotContain("   at ", second.Error);
    }

    [Theory]
    [InlineData("serve", "gopher")]
    [InlineData("serve", "daytime", "--framing", "length")]
    [InlineData("serve", "--framing", "json")]
    [InlineData("serve", "--listen", "localhost")]
    [InlineData("serve", "--listen", "example.com:7")]
    [InlineData("serve", "--drain", "soon")]
    public async Task BadServeArgumentsGiveOneClearLineAndTheUsageExitCode(params string[] args)
    {
        CliResult result = await CliRunner.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("synack: ", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }
}
