using System.Net;
using System.Text;
using Synack.Client;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;

namespace Synack.FunctionalTests.Samples;

/// <summary>The hosted RESP sample against the real Redis client, redis-cli (CI installs redis-tools).</summary>
public sealed class RespServerTests
{
    [Fact]
    public Task RedisCliSetsGetsAndDeletesKeysOnTheHostedRespSample() => RespSample.WithServerAsync(async port =>
    {
        Assert.Equal("PONG\n", await RespSample.RedisCliAsync(port, "PING"));
        Assert.Equal("OK\n", await RespSample.RedisCliAsync(port, "SET greeting \"hello world\""));
        Assert.Equal("hello world\n", await RespSample.RedisCliAsync(port, "GET greeting"));
        Assert.Equal("1\n", await RespSample.RedisCliAsync(port, "DEL greeting nothing"));
        Assert.Equal("\n", await RespSample.RedisCliAsync(port, "GET greeting")); // nil prints as an empty line when not on a terminal
        Assert.Contains("ERR unknown command 'FLUSHALL'", await RespSample.RedisCliAsync(port, "FLUSHALL"));
    }, RespSample.RedisCli);

    [Fact]
    public Task RedisCliPipeModeGetsTenThousandPipelinedRepliesInOrderWithNoErrors() => RespSample.WithServerAsync(async port =>
    {
        var commands = new StringBuilder();
        for (int i = 0; i < 10_000; i++)
        {
            string key = $"key:{i}", value = $"value {i}";
            commands.Append($"*3\r\n$3\r\nSET\r\n${key.Length}\r\n{key}\r\n${value.Length}\r\n{value}\r\n");
        }

        string report = await RespSample.RedisCliAsync(port, "--pipe", commands.ToString());

        Assert.Contains("errors: 0, replies: 10000", report);
        Assert.Equal("value 9999\n", await RespSample.RedisCliAsync(port, "GET key:9999"));
    }, RespSample.RedisCli);

    [Fact]
    public Task AMalformedCommandEndsOnlyThatConnectionAndInlineCommandsWork() => RespSample.WithServerAsync(async port =>
    {
        await using Connection inline = await SynackClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await using Connection broken = await SynackClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await broken.SendAsync("*2\r\n$3\r\nGET\r\n#oops\r\n"u8.ToArray());
        await inline.SendAsync("SET  k  v\r\nGET k\r\n"u8.ToArray());

        Assert.Equal("+OK", await inline.ReadLineAsync().Within());
        Assert.Equal("$1", await inline.ReadLineAsync().Within());
        Assert.Equal("v", await inline.ReadLineAsync().Within());
        await Assert.ThrowsAsync<Errors.SynackException>(() => broken.ReadLineAsync().AsTask().Within()); // reset: protocol error
    });
}
