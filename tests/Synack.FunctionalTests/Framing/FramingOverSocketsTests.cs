using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.Framing;

namespace Synack.FunctionalTests.Framing;

public sealed class FramingOverSocketsTests
{
    /// <summary>Echo server that decodes frames and re-encodes them: a full decode/encode round trip per frame.</summary>
    private static Synack.Server.SynackServer StartFrameEcho<TIn, TOut>(IFrameDecoder<TIn> decoder, IFrameEncoder<TOut> encoder, Func<TIn, TOut> convert)
        => Loopback.StartServer(async c =>
        {
            FrameReader<TIn> frames = c.CreateFrameReader(decoder);
            FrameWriter<TOut> writer = c.CreateFrameWriter(encoder);
            while (await frames.ReadAsync())
            {
                await writer.WriteAsync(convert(frames.Current));
            }
        });

    /// <summary>Sends <paramref name="wire"/> one byte per send() and returns everything echoed until EOF.</summary>
    private static async Task<byte[]> TrickleAndCollectAsync(Synack.Server.SynackServer server, byte[] wire)
    {
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        Task<byte[]> echoed = client.ReadToEndAsync();
        foreach (byte b in wire)
        {
            await client.SendAsync(new[] { b });
        }

        client.Shutdown(SocketShutdown.Send);
        return await echoed;
    }

    private static byte[] Encode<T>(IFrameEncoder<T> encoder, IEnumerable<T> frames)
    {
        var buffer = new ArrayBufferWriter<byte>();
        foreach (T frame in frames)
        {
            encoder.Encode(frame, buffer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static readonly byte[][] Payloads = Enumerable.Range(0, 12)
        .Select(i => Enumerable.Range(0, i * 13 % 97).Select(j => (byte)('a' + (i + j) % 26)).ToArray()).ToArray();

    public static TheoryData<string> Codecs => new() { "fixed", "length-4", "length-varint", "line", "delimiter" };

    private static (IFrameDecoder<ReadOnlySequence<byte>> Decoder, IFrameEncoder<ReadOnlyMemory<byte>> Encoder, byte[][] Frames) Make(string name)
    {
        switch (name)
        {
            case "fixed":
                var fixedCodec = new FixedLengthCodec(16);
                return (fixedCodec, fixedCodec, Enumerable.Range(0, 10).Select(i => Enumerable.Repeat((byte)i, 16).ToArray()).ToArray());
            case "length-4":
                var four = new LengthFieldCodec(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.Four });
                return (four, four, Payloads);
            case "length-varint":
                var varint = new LengthFieldCodec(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.VarInt });
                return (varint, varint, Payloads);
            case "line":
                var line = new LineCodec(LineEnding.CrLf);
                return (line, line, Payloads);
            default:
                var delimiter = new DelimiterCodec("\0\0"u8.ToArray());
                return (delimiter, delimiter, Payloads);
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task EveryCodecDecodesFramesFragmentedToOneByteSegmentsOverARealSocket(string codec)
    {
        var (decoder, encoder, frames) = Make(codec);
        await using var server = StartFrameEcho(decoder, encoder, f => (ReadOnlyMemory<byte>)f.ToArray());
        byte[] wire = Encode(encoder, frames.Select(f => (ReadOnlyMemory<byte>)f));

        byte[] echoed = await TrickleAndCollectAsync(server, wire);

        Assert.Equal(wire, echoed);
    }

    [Fact]
    public async Task HttpLikeMessagesWithContentLengthAndChunkedBodiesSurviveOneByteSegments()
    {
        var codec = new HttpLikeCodec();
        await using var server = StartFrameEcho<HttpLikeMessage, HttpLikeMessage>(codec, codec, m => m);
        byte[] wire = Encoding.ASCII.GetBytes(
            "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
            "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: t\r\n\r\n");

        byte[] echoed = await TrickleAndCollectAsync(server, wire);

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(echoed));
        Assert.True(codec.TryDecode(ref reader, out HttpLikeMessage first));
        Assert.True(codec.TryDecode(ref reader, out HttpLikeMessage second));
        Assert.Equal(0, reader.Remaining);
        Assert.Equal("POST /a HTTP/1.1", first.StartLine);
        Assert.Equal("hello", Encoding.ASCII.GetString(first.Body.Span));
        Assert.Equal("POST /b HTTP/1.1", second.StartLine);
        Assert.Equal("abcde", Encoding.ASCII.GetString(second.Body.Span));
    }

    [Fact]
    public async Task AnOversizeLengthPrefixIsRejectedFromTheHeaderAloneAndOnlyThatConnectionIsReset()
    {
        var reasons = new TaskCompletionSource<(CloseReason Reason, SynackException Error)>();
        var codec = new LengthFieldCodec(new LengthFieldOptions { LengthFieldSize = LengthFieldSize.Four });
        await using var server = Loopback.StartServer(async c =>
        {
            var frames = c.CreateFrameReader(codec);
            var writer = c.CreateFrameWriter(codec);
            try
            {
                while (await frames.ReadAsync())
                {
                    await writer.WriteAsync(frames.Current.ToArray());
                }
            }
            catch (SynackException e)
            {
                reasons.TrySetResult((await c.Closed, e));
            }
        });
        using Socket hostile = await Loopback.ConnectRawAsync(server.EndPoint());
        using Socket honest = await Loopback.ConnectRawAsync(server.EndPoint());

        await hostile.SendAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }); // 4 GiB announced, no body sent
        var (reason, error) = await reasons.Task.Within();
        Assert.Equal(CloseReason.LimitExceeded, reason);
        Assert.Equal(ErrorKind.LimitExceeded, error.Kind);
        var reset = await Assert.ThrowsAsync<SocketException>(() => hostile.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);

        byte[] frame = new byte[4 + 3];
        BinaryPrimitives.WriteInt32BigEndian(frame, 3);
        "abc"u8.CopyTo(frame.AsSpan(4));
        await honest.SendAsync(frame);
        Assert.Equal(frame, await honest.ReadExactlyAsync(frame.Length));
    }
}
