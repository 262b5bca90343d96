using Synack.Framing;

namespace Synack.FunctionalTests.Samples;

/// <summary>
/// The HTTP sample against bad input over real sockets: each request gets its status code, <c>Connection: close</c>
/// and the server's FIN, while a well-behaved client on another connection is served before and after on its one
/// keep-alive connection.
/// </summary>
public sealed class HttpServerBadInputTests
{
    private const string Hello = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";

    /// <summary>The limits the cases are written against (small, so the oversize cases are small too).</summary>
    private static readonly string[] Limits = ["--Http:MaxHeadLength=4096", "--Http:MaxHeaderCount=20", "--Http:MaxBodyLength=65536"];

    public static TheoryData<string, string, int> Cases() => new()
    {
        { "oversize head", "GET /hello HTTP/1.1\r\nHost: a\r\nX-Big: " + new string('a', 5000) + "\r\n\r\n", 431 },
        { "head that never ends", "GET /hello HTTP/1.1\r\nHost: a\r\nX-Big: " + new string('a', 5000), 431 },
        { "too many headers", "GET /hello HTTP/1.1\r\nHost: a\r\n" + string.Concat(Enumerable.Range(0, 25).Select(i => $"X-{i}: v\r\n")) + "\r\n", 431 },
        { "bad chunk size", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nab\r\n0\r\n\r\n", 400 },
        { "negative chunk size", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nab\r\n0\r\n\r\n", 400 },
        { "chunk data without its CRLF", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 400 },
        { "conflicting Content-Length", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400 },
        { "Content-Length that is not a number", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello", 400 },
        { "Content-Length with Transfer-Encoding", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400 },
        { "Transfer-Encoding with Content-Length", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n", 400 },
        { "Transfer-Encoding twice", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n", 400 },
        { "Transfer-Encoding other than chunked", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400 },
        { "whitespace before the colon", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400 },
        { "body over the limit", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n", 413 },
        { "chunked body over the limit", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n", 413 },
        { "no Host", "GET /hello HTTP/1.1\r\n\r\n", 400 },
        { "two Hosts", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
        { "bare LF", "GET /hello HTTP/1.1\nHost: a\n\n\r\n\r\n", 400 },
        { "malformed request line", "GET  /hello HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
        { "HTTP/2.0", "GET /hello HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
        { "unknown expectation", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 200-ok\r\n\r\n", 417 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInputGetsItsStatusCodeAndACloseWhileAnotherClientIsServedThroughout(string name, string wire, int status)
    {
        await using HttpSample sample = await HttpSample.StartAsync(Limits);
        using HttpWire good = await sample.ConnectAsync();
        Assert.Equal(200, (await good.ExchangeAsync(Hello)).Status());

        using HttpWire bad = await sample.ConnectAsync();
        await bad.SendAsync(wire);
        HttpLikeMessage response = await bad.ReadResponseAsync();

        Assert.True(status == response.Status(), $"{name}: {response.StartLine} {response.Text()}");
        Assert.Equal("close", response.GetHeader("Connection"));
        Assert.True(await bad.ClosedByServerAsync(), $"{name}: more bytes after the error reply");
        Assert.Equal("Hello, world!\n", (await good.ExchangeAsync(Hello)).Text()); // the same keep-alive connection
    }

    [Fact]
    public async Task ABodyOverTheLimitStillInFlightIsDroppedSoThe413ArrivesWithoutAReset()
    {
        await using HttpSample sample = await HttpSample.StartAsync(Limits);
        using HttpWire client = await sample.ConnectAsync();

        await client.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\n\r\n");
        await client.SendAsync(new byte[300_000]); // the server answers at the head; the body it reads and drops
        HttpLikeMessage response = await client.ReadResponseAsync();

        Assert.Equal(413, response.Status());
        Assert.True(await client.ClosedByServerAsync());
    }
}
