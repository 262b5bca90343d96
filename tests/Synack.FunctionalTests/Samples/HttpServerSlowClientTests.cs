using System.Text.RegularExpressions;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;

namespace Synack.FunctionalTests.Samples;

/// <summary>
/// The hosted HTTP sample against slowhttptest's three attacks, short and small (4 connections, at most 8 s): slow
/// headers (slowloris, -H), a slow body (R-U-Dead-Yet, -B) and a slow reader (-X). The library's limits cut every slow
/// connection (the server counts them closed by <see cref="CloseReason.Timeout"/>), while a well-behaved client opening
/// a connection per request is answered throughout.
/// </summary>
public sealed partial class HttpServerSlowClientTests
{
    private const string SlowHttpTest = "/usr/bin/slowhttptest";
    private const int SlowConnections = 4;

    /// <summary>Tighter than the defaults so the test is short: a head or body must arrive within 2 s at 240 B/s after
    /// 1 s; a reader must take 4 KiB/s after 1 s, through a 64 KiB send buffer it cannot hide behind.</summary>
    private static readonly string[] Limits =
    [
        "--Synack:Servers:Http:Connection:FrameReadTimeout=00:00:02",
        "--Synack:Servers:Http:Connection:MinReceiveRate:Grace=00:00:01",
        "--Synack:Servers:Http:Connection:MinSendRate:BytesPerSecond=4096",
        "--Synack:Servers:Http:Connection:MinSendRate:Grace=00:00:01",
        "--Synack:Servers:Http:Connection:SendBufferSize=65536",
    ];

    [Theory]
    [InlineData("-H", "/hello", "")]                                   // headers dribbled, one field a second
    [InlineData("-B", "/echo", "-s 8192")]                             // a declared 8 KiB body, dribbled
    [InlineData("-X", "/big.bin", "-k 4 -n 1 -w 16 -y 32 -z 32")]      // 4 MiB asked for, read 32 B a second
    public async Task SlowClientsAreCutByTheLimitsWhileAWellBehavedClientIsServedThroughout(string mode, string path, string options)
    {
        if (!ExternalTool.IsInstalled(SlowHttpTest, "slowhttptest"))
        {
            return;
        }

        await using HttpSample sample = await HttpSample.StartAsync(Limits);
        using var stop = new CancellationTokenSource();
        Task<int> wellBehaved = ServeWellBehavedClientAsync(sample, stop.Token);
        string[] arguments = [mode, "-c", $"{SlowConnections}", "-r", $"{SlowConnections}", "-i", "1", "-l", "8", "-x", "8", "-p", "2",
            .. options.Split(' ', StringSplitOptions.RemoveEmptyEntries), "-u", sample.Url(path)];
        Task<ExternalTool.Result> attack = ExternalTool.RunAsync(SlowHttpTest, arguments, TimeSpan.FromSeconds(60));

        await Loopback.Until(() => sample.CloseReasons.Count(CloseReason.Timeout) >= SlowConnections || attack.IsCompleted);
        ExternalTool.Result run = await attack;
        await stop.CancelAsync();
        int served = await wellBehaved;

        string report = Ansi().Replace(run.All, "");
        Assert.True(sample.CloseReasons.Count(CloseReason.Timeout) >= SlowConnections, $"slow connections not cut by the limits:\n{report}");
        Assert.True(served >= 3, $"the well-behaved client was answered only {served} time(s)");
    }

    /// <summary>GET /hello on a new connection every 50 ms until cancelled; every one must be answered 200. Returns how many were.</summary>
    private static async Task<int> ServeWellBehavedClientAsync(HttpSample sample, CancellationToken stop)
    {
        int served = 0;
        while (!stop.IsCancellationRequested)
        {
            using HttpWire client = await sample.ConnectAsync();
            Assert.Equal("Hello, world!\n", (await client.ExchangeAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")).Text());
            served++;
            await Task.Delay(50, CancellationToken.None);
        }

        return served;
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex Ansi();
}
