using System.Text;
using Synack.Errors;
using Synack.Framing;

namespace Synack.Tests.Framing;

public sealed class HttpLikeRulesTests
{
    private static List<HttpLikeMessage> Decode(string wire, HttpLikeOptions? options = null) =>
        Segments.Whole(new HttpLikeCodec(options), Encoding.Latin1.GetBytes(wire), m => m).Frames;

    private static SynackException Rejected(string wire, HttpLikeOptions? options = null) =>
        Assert.Throws<SynackException>(() => Decode(wire, options));

    [Fact]
    public void AHeadWithContentLengthYieldsStartLineHeadersAndBody()
    {
        HttpLikeMessage m = Assert.Single(Decode("POST /x HTTP/1.1\r\nHost:  example \r\nContent-Length: 4\r\n\r\nbody"));

        Assert.Equal("POST /x HTTP/1.1", m.StartLine);
        Assert.Equal("example", m.GetHeader("host"));
        Assert.Equal("body", Encoding.ASCII.GetString(m.Body.Span));
        Assert.False(m.Chunked);
    }

    [Fact]
    public void ChunkedBodiesWithExtensionsAndTrailersAreReassembled()
    {
        HttpLikeMessage m = Assert.Single(Decode(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\nWiki\r\n5 ; c\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n"));

        Assert.Equal("Wikipedia", Encoding.ASCII.GetString(m.Body.Span));
        Assert.True(m.Chunked);
    }

    [Fact]
    public void AMessageWithoutContentLengthOrTransferEncodingHasAnEmptyBody()
    {
        Assert.Equal(2, Decode("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n").Count);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\nHost: a\r\n\r\n")] // bare LF
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n")] // whitespace before the colon
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n")] // obsolete line folding
    [InlineData("GET / HTTP/1.1\r\nBad{Name}: a\r\n\r\n")] // not a token
    [InlineData("GET / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello")] // signed
    [InlineData("GET / HTTP/1.1\r\nContent-Length: 5 5\r\n\r\nhello")] // not plain digits
    [InlineData("GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")] // conflicting
    [InlineData("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")] // unsupported coding
    [InlineData("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n")] // smuggling
    [InlineData("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n")] // bad chunk size
    [InlineData("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n")] // no CRLF after data
    [InlineData("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n")] // chunk size overflows
    [InlineData("\r\nHost: a\r\n\r\n")] // empty start line
    public void MalformedHeadsAndBodiesAreProtocolErrors(string wire)
    {
        Assert.Equal(ErrorKind.ProtocolError, Rejected(wire).Kind);
    }

    [Fact]
    public void AnOversizeContentLengthIsRejectedWithOnlyTheHeadBuffered()
    {
        var error = Rejected("POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n");
        Assert.Equal(ErrorKind.LimitExceeded, error.Kind);
    }

    [Fact]
    public void ChunkSizesSummingPastTheMaximumAreRejectedFromTheChunkHeader()
    {
        var options = new HttpLikeOptions { MaxBodyLength = 10 };
        var error = Rejected("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n", options);
        Assert.Equal(ErrorKind.LimitExceeded, error.Kind);
    }

    [Fact]
    public void AHeadWithoutItsBlankLineFailsOnceItPassesTheMaximumHeadLength()
    {
        var options = new HttpLikeOptions { MaxHeadLength = 64 };
        Assert.Empty(Decode("GET / HTTP/1.1\r\n" + new string('a', 40), options));
        Assert.Equal(ErrorKind.LimitExceeded, Rejected("GET / HTTP/1.1\r\nX: " + new string('a', 100), options).Kind);
    }

    [Fact]
    public void TooManyHeaderFieldsAreALimitError()
    {
        var options = new HttpLikeOptions { MaxHeaderCount = 2 };
        Assert.Equal(ErrorKind.LimitExceeded, Rejected("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", options).Kind);
    }

    [Fact]
    public void TheEncoderWritesItsOwnFramingHeaderAndRejectsInjectedLineBreaks()
    {
        var codec = new HttpLikeCodec();
        var message = new HttpLikeMessage("HTTP/1.1 200 OK",
            new[] { new KeyValuePair<string, string>("Content-Length", "999"), new KeyValuePair<string, string>("X", "y") }, "hi"u8.ToArray());
        string wire = Encoding.ASCII.GetString(Segments.Encode(codec, new[] { message }));

        Assert.Equal("HTTP/1.1 200 OK\r\nX: y\r\nContent-Length: 2\r\n\r\nhi", wire);
        Assert.Throws<ArgumentException>(() => Segments.Encode(codec, new[]
        {
            new HttpLikeMessage("HTTP/1.1 200 OK", new[] { new KeyValuePair<string, string>("X", "a\r\nInjected: yes") }),
        }));
    }
}
