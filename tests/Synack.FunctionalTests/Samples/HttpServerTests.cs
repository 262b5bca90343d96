using System.Net.Sockets;
using System.Text;
using Synack.Framing;

namespace Synack.FunctionalTests.Samples;

/// <summary>The hosted HTTP sample over real sockets: keep-alive, pipelining, closing and half-closing, files, 100-continue.</summary>
public sealed class HttpServerTests
{
    private const string Hello = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";

    [Theory]
    [InlineData("Auto")]
    [InlineData("Sockets")]
    public async Task PipelinedRequestsInOneSendAreAnsweredInOrderOnOneKeptAliveConnection(string transport)
    {
        await using HttpSample sample = await HttpSample.StartAsync($"--Synack:Servers:Http:Transport={transport}");
        using HttpWire client = await sample.ConnectAsync();

        await client.SendAsync(Hello + "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nfirst"
            + "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nsec\r\n3\r\nond\r\n0\r\n\r\n");

        Assert.Equal("Hello, world!\n", (await client.ReadResponseAsync()).Text());
        Assert.Equal(HttpSample.SmallText, (await client.ReadResponseAsync()).Text());
        Assert.Equal("first", (await client.ReadResponseAsync()).Text());
        Assert.Equal("second", (await client.ReadResponseAsync()).Text());
        Assert.Equal(200, (await client.ExchangeAsync(Hello)).Status());
    }

    [Fact]
    public async Task ARequestThatArrivesOneByteAtATimeIsAnsweredOnceWhenWhole()
    {
        await using HttpSample sample = await HttpSample.StartAsync();
        using HttpWire client = await sample.ConnectAsync();

        foreach (byte b in Encoding.ASCII.GetBytes("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"))
        {
            await client.SendAsync([b]);
        }

        Assert.Equal("abc", (await client.ReadResponseAsync()).Text());
        Assert.Equal(200, (await client.ExchangeAsync(Hello)).Status());
    }

    [Fact]
    public async Task AnEmptyLineAfterABodyBeforeTheNextRequestLineIsIgnored()
    {
        await using HttpSample sample = await HttpSample.StartAsync();
        using HttpWire client = await sample.ConnectAsync();

        await client.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi\r\n" + Hello); // as old browsers sent
        Assert.Equal("hi", (await client.ReadResponseAsync()).Text());
        Assert.Equal(200, (await client.ReadResponseAsync()).Status());
    }

    [Fact]
    public async Task ConnectionCloseGetsItsReplyThenTheServersFinAndWhatWasPipelinedBehindItIsDropped()
    {
        await using HttpSample sample = await HttpSample.StartAsync();
        using HttpWire client = await sample.ConnectAsync();

        await client.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + Hello);
        HttpLikeMessage response = await client.ReadResponseAsync();

        Assert.Equal("Hello, world!\n", response.Text());
        Assert.Equal("close", response.GetHeader("Connection"));
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact]
    public async Task APeerThatHalfClosesAfterItsRequestsGetsEveryReplyThenTheServersFin()
    {
        await using HttpSample sample = await HttpSample.StartAsync();
        using HttpWire client = await sample.ConnectAsync();

        await client.SendAsync(Hello + "GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        client.Socket.Shutdown(SocketShutdown.Send); // FIN right after the requests

        Assert.Equal(200, (await client.ReadResponseAsync()).Status());
        HttpLikeMessage big = await client.ReadResponseAsync();
        Assert.True(HttpSample.Big.AsSpan().SequenceEqual(big.Body.Span));
        Assert.True(await client.ClosedByServerAsync());
    }

    [Fact]
    public async Task Http10ClosesAfterEachReplyUnlessItAsksForKeepAlive()
    {
        await using HttpSample sample = await HttpSample.StartAsync();
        using HttpWire kept = await sample.ConnectAsync();
        HttpLikeMessage first = await kept.ExchangeAsync("GET /hello HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        Assert.Equal("keep-alive", first.GetHeader("Connection"));
        Assert.Equal(200, (await kept.ExchangeAsync("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).Status());

        using HttpWire closed = await sample.ConnectAsync();
        Assert.Equal("close", (await closed.ExchangeAsync("GET /hello HTTP/1.0\r\n\r\n")).GetHeader("Connection"));
        Assert.True(await closed.ClosedByServerAsync());
    }

    [Fact]
    public async Task StaticFilesAreServedFromTheRootAndNothingOutsideItIsFound()
    {
        await using HttpSample sample = await HttpSample.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(sample.Root)!, Path.GetFileName(sample.Root) + "-secret.txt"), "no");
        using HttpWire client = await sample.ConnectAsync();

        Assert.Equal("<p>index</p>\n", (await client.ExchangeAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).Text());
        HttpLikeMessage small = await client.ExchangeAsync("GET /small.txt?v=1 HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(HttpSample.SmallText, small.Text());
        Assert.Equal("text/plain; charset=utf-8", small.GetHeader("Content-Type"));
        HttpLikeMessage head = await client.ExchangeHeadAsync("HEAD /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(HttpSample.SmallText.Length.ToString(), head.GetHeader("Content-Length"));
        foreach (string path in new[] { "/missing", "/../" + Path.GetFileName(sample.Root) + "-secret.txt", "/%2e%2e/etc/passwd", "/a\\..\\..\\x" })
        {
            Assert.Equal(404, (await client.ExchangeAsync($"GET {path} HTTP/1.1\r\nHost: a\r\n\r\n")).Status());
        }

        HttpLikeMessage post = await client.ExchangeAsync("DELETE /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal((405, "GET, HEAD"), (post.Status(), post.GetHeader("Allow")));
        File.Delete(Path.Combine(Path.GetDirectoryName(sample.Root)!, Path.GetFileName(sample.Root) + "-secret.txt"));
    }

    [Fact]
    public async Task ExpectContinueGets100ThenTheFinalReplyOnceTheBodyHasArrived()
    {
        await using HttpSample sample = await HttpSample.StartAsync();
        using HttpWire client = await sample.ConnectAsync();

        await client.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n");
        Assert.Equal(100, (await client.ReadResponseAsync()).Status());
        await client.SendAsync("pay");
        await client.SendAsync("load");

        Assert.Equal("payload", (await client.ReadResponseAsync()).Text());
        await client.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
        Assert.Equal(100, (await client.ReadResponseAsync()).Status()); // once per request, the next one too
        Assert.Equal("again", (await client.ExchangeAsync("5\r\nagain\r\n0\r\n\r\n")).Text());
    }

    [Theory]
    [InlineData("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n", 413)]
    [InlineData("POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n", 405)]
    public async Task ExpectContinueIsRefusedWithTheFinalStatusAndAClose(string head, int status)
    {
        await using HttpSample sample = await HttpSample.StartAsync();
        using HttpWire client = await sample.ConnectAsync();

        HttpLikeMessage response = await client.ExchangeAsync(head);

        Assert.Equal(status, response.Status()); // no 100 Continue before it
        Assert.Equal("close", response.GetHeader("Connection"));
        Assert.True(await client.ClosedByServerAsync());
    }
}
