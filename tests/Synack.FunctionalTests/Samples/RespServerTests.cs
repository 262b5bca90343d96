using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RespServer;
using Synack.Client;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Hosting;

namespace Synack.FunctionalTests.Samples;

/// <summary>The hosted RESP sample against the real Redis client, redis-cli (CI installs redis-tools).</summary>
public sealed class RespServerTests
{
    private const string RedisCli = "/usr/bin/redis-cli";

    private static async Task<(IHost Host, int Port)> StartAsync()
    {
        IHost host = RespApp.CreateBuilder(["--Synack:Servers:Resp:Listen:0=127.0.0.1:0", "--Synack:Servers:Resp:Listen:1=[::1]:0"]).Build();
        await host.StartAsync().Within();
        var service = host.Services.GetServices<IHostedService>().OfType<SynackServerService>().Single();
        return (host, ((IPEndPoint)service.Server!.LocalEndPoints[0]).Port);
    }

    private static async Task<string> RedisCliAsync(int port, string arguments, string? stdin = null)
    {
        var start = new ProcessStartInfo(RedisCli, $"-h 127.0.0.1 -p {port} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        using Process cli = Process.Start(start)!;
        Task<string> output = cli.StandardOutput.ReadToEndAsync();
        Task<string> error = cli.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await cli.StandardInput.WriteAsync(stdin);
        }

        cli.StandardInput.Close();
        await cli.WaitForExitAsync().Within();
        return (await output.Within()) + (await error.Within());
    }

    [Fact]
    public async Task RedisCliSetsGetsAndDeletesKeysOnTheHostedRespSample()
    {
        if (!File.Exists(RedisCli))
        {
            Loopback.SkipUnlessCi("redis-cli (apt-get install redis-tools)");
            return;
        }

        var (host, port) = await StartAsync();
        using (host)
        {
            Assert.Equal("PONG\n", await RedisCliAsync(port, "PING"));
            Assert.Equal("OK\n", await RedisCliAsync(port, "SET greeting \"hello world\""));
            Assert.Equal("hello world\n", await RedisCliAsync(port, "GET greeting"));
            Assert.Equal("1\n", await RedisCliAsync(port, "DEL greeting nothing"));
            Assert.Equal("\n", await RedisCliAsync(port, "GET greeting")); // nil prints as an empty line when not on a terminal
            Assert.Contains("ERR unknown command 'FLUSHALL'", await RedisCliAsync(port, "FLUSHALL"));
            await host.StopAsync().Within();
        }
    }

    [Fact]
    public async Task RedisCliPipeModeGetsTenThousandPipelinedRepliesInOrderWithNoErrors()
    {
        if (!File.Exists(RedisCli))
        {
            Loopback.SkipUnlessCi("redis-cli (apt-get install redis-tools)");
            return;
        }

        var (host, port) = await StartAsync();
        using (host)
        {
            var commands = new StringBuilder();
            for (int i = 0; i < 10_000; i++)
            {
                string key = $"key:{i}", value = $"value {i}";
                commands.Append($"*3\r\n$3\r\nSET\r\n${key.Length}\r\n{key}\r\n${value.Length}\r\n{value}\r\n");
            }

            string report = await RedisCliAsync(port, "--pipe", commands.ToString());

            Assert.Contains("errors: 0, replies: 10000", report);
            Assert.Equal("value 9999\n", await RedisCliAsync(port, "GET key:9999"));
            await host.StopAsync().Within();
        }
    }

    [Fact]
    public async Task AMalformedCommandEndsOnlyThatConnectionAndInlineCommandsWork()
    {
        var (host, port) = await StartAsync();
        using (host)
        {
            await using Connection inline = await SynackClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            await using Connection broken = await SynackClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            await broken.SendAsync("*2\r\n$3\r\nGET\r\n#oops\r\n"u8.ToArray());
            await inline.SendAsync("SET  k  v\r\nGET k\r\n"u8.ToArray());

            Assert.Equal("+OK", await inline.ReadLineAsync().Within());
            Assert.Equal("$1", await inline.ReadLineAsync().Within());
            Assert.Equal("v", await inline.ReadLineAsync().Within());
            await Assert.ThrowsAsync<Errors.SynackException>(() => broken.ReadLineAsync().AsTask().Within()); // reset: protocol error
            await host.StopAsync().Within();
        }
    }
}
