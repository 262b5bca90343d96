using System.Buffers;
using System.Text;
using Synack.Cli.Bench.Protocols;
using Synack.Cli.Common;

namespace Synack.Cli.Tests.Bench;

/// <summary>The bench protocols over scripted buffers: what they send, and replies cut at every byte.</summary>
public sealed class BenchProtocolTests
{
    private static string Request(IBenchConversation conversation, long seq)
    {
        var output = new ArrayBufferWriter<byte>();
        conversation.WriteRequest(output, seq);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }

    /// <summary>Reads replies 0, 1, ... from <paramref name="wire"/> delivered as two segments cut at <paramref name="cut"/>.</summary>
    private static (int Replies, string? Failure) ReadAll(IBenchConversation conversation, byte[] wire, int cut)
    {
        var first = new Segment(wire.AsMemory(0, cut));
        Segment last = first.Append(wire.AsMemory(cut));
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length));
        int replies = 0;
        while (true)
        {
            switch (conversation.TryReadReply(ref reader, replies, out string? failure))
            {
                case OperationStatus.Done:
                    replies++;
                    break;
                case OperationStatus.NeedMoreData:
                    return (replies, reader.Remaining == 0 ? null : "incomplete");
                default:
                    return (replies, failure);
            }
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }

    [Fact]
    public void RespSendsPingAsAMultiBulkCommandAndSetAndGetWithKeysInsideTheKeySpace()
    {
        Assert.Equal("*1\r\n$4\r\nPING\r\n", Request(new RespProtocol("ping", 10, 3).Start(0), 0));
        string set = Request(new RespProtocol("set", 10, 3).Start(1), 5);
        Assert.Matches(@"^\*3\r\n\$3\r\nSET\r\n\$16\r\nkey:00000000000\d\r\n\$3\r\nxxx\r\n$", set);
        Assert.Matches(@"^\*2\r\n\$3\r\nGET\r\n\$16\r\nkey:00000000000\d\r\n$", Request(new RespProtocol("get", 10, 3).Start(1), 5));
    }

    [Theory]
    [InlineData("ping", "+PONG\r\n+PONG\r\n+PONG\r\n", 3, null)]
    [InlineData("set", "+OK\r\n+OK\r\n", 2, null)]
    [InlineData("get", "$3\r\nabc\r\n$-1\r\n$0\r\n\r\n", 3, null)]
    [InlineData("ping", "+PONG\r\n-ERR busy\r\n", 1, "status")]
    [InlineData("get", "$3\r\nabcd\r\n", 0, "protocol")]
    [InlineData("set", "*1\r\n", 0, "protocol")]
    public void RespRepliesAreReadTheSameWhereverTheBytesAreCut(string command, string wire, int replies, string? failure)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(wire);
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.Equal((replies, failure), ReadAll(new RespProtocol(command, 10, 3).Start(0), bytes, cut));
        }
    }

    [Fact]
    public void HttpSendsAKeepAliveGetForThePathToTheHost()
    {
        Assert.Equal("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", Request(new HttpProtocol("127.0.0.1", "/index.html").Start(0), 0));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhelloHTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n", 2, null)]
    [InlineData("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 0, "status")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 0, "protocol")]
    [InlineData("SSH-2.0-OpenSSH\r\n\r\n", 0, "protocol")]
    public void HttpRepliesCountOnlyWithATwoHundredStatusAndExactlyTheAnnouncedBodyWhereverTheBytesAreCut(string wire, int replies, string? failure)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(wire);
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.Equal((replies, failure), ReadAll(new HttpProtocol("h", "/").Start(0), bytes, cut));
        }
    }

    [Fact]
    public void AnEchoReplyThatDiffersFromItsRequestIsCorrupt()
    {
        IBenchConversation echo = new EchoProtocol(8, FramingMode.Raw).Start(2);
        var request = new ArrayBufferWriter<byte>();
        echo.WriteRequest(request, 0);
        echo.WriteRequest(request, 1);
        byte[] wire = request.WrittenSpan.ToArray();
        Assert.Equal((2, (string?)null), ReadAll(new EchoProtocol(8, FramingMode.Raw).Start(2), wire, 3));

        wire[12] ^= 1;
        Assert.Equal((1, (string?)"corrupt"), ReadAll(new EchoProtocol(8, FramingMode.Raw).Start(2), wire, 3));
    }
}
