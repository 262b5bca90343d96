using System.Buffers;
using System.Text;
using Synack.Errors;
using Synack.Framing;

namespace Synack.Tests.Framing;

/// <summary><see cref="HttpLikeCodec.TryDecodeHead"/> and <see cref="HttpLikeCodec.TryDecodeBody"/>: the head on its own, as a server needs it.</summary>
public sealed class HttpLikeHeadAndBodyTests
{
    private const string ExpectHead = "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";

    private static SequenceReader<byte> Reader(string wire) => new(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(wire)));

    private static SynackException HeadRejected(string wire, HttpLikeOptions? options = null) => Assert.Throws<SynackException>(() =>
    {
        SequenceReader<byte> reader = Reader(wire);
        new HttpLikeCodec(options).TryDecodeHead(ref reader, out _);
    });

    [Fact]
    public void TheHeadIsDecodedBeforeAnyOfItsBodyHasArrivedAndTheBodyWaitsWithoutConsuming()
    {
        var codec = new HttpLikeCodec();
        SequenceReader<byte> reader = Reader(ExpectHead + "hel");

        Assert.True(codec.TryDecodeHead(ref reader, out HttpLikeMessage head));
        Assert.Equal(ExpectHead.Length, reader.Consumed);
        Assert.Equal("POST /up HTTP/1.1", head.StartLine);
        Assert.Equal("100-continue", head.GetHeader("expect"));
        Assert.True(head.Body.IsEmpty);
        Assert.False(codec.TryDecodeBody(ref reader, head, out _));
        Assert.Equal(ExpectHead.Length, reader.Consumed);
    }

    [Fact]
    public void HeadThenBodyYieldsTheSameMessageAsTryDecodeAtEverySplitPoint()
    {
        string wire = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n";
        var codec = new HttpLikeCodec();
        for (int cut = 0; cut <= wire.Length; cut++)
        {
            SequenceReader<byte> partial = Reader(wire[..cut]);
            bool complete = codec.TryDecodeHead(ref partial, out HttpLikeMessage head) && codec.TryDecodeBody(ref partial, head, out _);
            Assert.Equal(cut >= wire.IndexOf("GET", StringComparison.Ordinal), complete);
        }

        SequenceReader<byte> reader = Reader(wire);
        Assert.True(codec.TryDecodeHead(ref reader, out HttpLikeMessage first));
        Assert.True(codec.TryDecodeBody(ref reader, first, out HttpLikeMessage message));
        Assert.True(message.Chunked);
        Assert.Equal("Wikipedia", Encoding.ASCII.GetString(message.Body.Span));
        Assert.True(codec.TryDecodeHead(ref reader, out HttpLikeMessage next));
        Assert.True(codec.TryDecodeBody(ref reader, next, out HttpLikeMessage empty));
        Assert.Same(next, empty); // no body: the head is the message
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void AnOversizeContentLengthIsTheBodysLimitRaisedBeforeAnyOfItArrives()
    {
        var codec = new HttpLikeCodec(new HttpLikeOptions { MaxBodyLength = 4 });
        SequenceReader<byte> reader = Reader(ExpectHead);

        Assert.True(codec.TryDecodeHead(ref reader, out HttpLikeMessage head));
        long headLength = reader.Consumed;
        var error = Assert.Throws<SynackException>(() =>
        {
            SequenceReader<byte> body = Reader(ExpectHead);
            body.Advance(headLength);
            codec.TryDecodeBody(ref body, head, out _);
        });
        Assert.Equal(ErrorKind.LimitExceeded, error.Kind);
    }

    [Fact]
    public void TheHeadAloneRaisesItsOwnLimitsAndRejectsSmugglingShapes()
    {
        var small = new HttpLikeOptions { MaxHeadLength = 64, MaxHeaderCount = 2 };
        Assert.Equal(ErrorKind.LimitExceeded, HeadRejected("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", small).Kind);
        Assert.Equal(ErrorKind.LimitExceeded, HeadRejected("GET / HTTP/1.1\r\nX: " + new string('a', 100), small).Kind);
        Assert.Equal(ErrorKind.ProtocolError, HeadRejected("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").Kind);
        Assert.Equal(ErrorKind.ProtocolError, HeadRejected("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n").Kind);
        Assert.Equal(ErrorKind.ProtocolError, HeadRejected("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n").Kind);
    }
}
