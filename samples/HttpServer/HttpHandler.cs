using System.Buffers;
using Microsoft.Extensions.Options;
using Synack.Connections;
using Synack.Errors;
using Synack.Framing;
using Synack.Server;

namespace HttpServer;

/// <summary>
/// Serves every connection, an inline handler: each call answers, in order, every complete request in what has arrived
/// (pipelining), and leaves an incomplete one unconsumed until the rest comes (so a slow head or body runs the library's
/// frame timeout and minimum data rate). The codec (<see cref="HttpLikeCodec"/>) does the framing; this class the rest:
/// <code>
/// head incomplete                  → wait (431 once it passes MaxHeadLength)
/// head malformed / too big         → 400 / 431, close
/// request line, Host, Expect wrong → 400 / 505 / 417, close
/// body incomplete                  → wait; with Expect: 100-continue send "100 Continue" once, or the final reply and
///                                    close when the route takes no body (413 when the declared length is too large)
/// body malformed / too big         → 400 / 413, close
/// complete                         → route (HttpRoutes); close after it on Connection: close or HTTP/1.0
/// </code>
/// "Close" means: the reply is written, then <see cref="Connection.CloseAsync"/> (FIN after it; what the peer still sends is
/// read and dropped until its FIN, so the reply is not lost to a reset). The peer's own FIN after a request ends the
/// connection once the replies so far are sent (the library calls <see cref="IInlineHandler.OnEndOfStream"/>).
/// </summary>
public sealed class HttpHandler(IOptions<HttpSettings> settings, HttpRoutes routes) : IInlineHandler
{
    private static readonly object ContinueSent = new(); // Connection.Items key: this request's 100 Continue is out
    private readonly HttpLikeCodec _codec = new(settings.Value.Limits);

    /// <inheritdoc/>
    public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        var reader = new SequenceReader<byte>(input);
        long consumed = 0;
        while (true)
        {
            HttpLikeMessage head, message;
            reader.IsNext("\r\n"u8, advancePast: true); // RFC 9112 2.2: one empty line before a request line is ignored
            try
            {
                if (!_codec.TryDecodeHead(ref reader, out head))
                {
                    return consumed;
                }
            }
            catch (SynackException e) when (e.Kind is ErrorKind.ProtocolError or ErrorKind.LimitExceeded)
            {
                return Close(connection, output, input, e.Kind == ErrorKind.LimitExceeded ? 431 : 400, e.Detail);
            }

            if (!HttpRequest.TryParse(head, out HttpRequest request, out int status, out string problem))
            {
                return Close(connection, output, input, status, problem);
            }

            try
            {
                if (!_codec.TryDecodeBody(ref reader, head, out message))
                {
                    return AwaitBody(connection, request, input, consumed, output);
                }
            }
            catch (SynackException e) when (e.Kind is ErrorKind.ProtocolError or ErrorKind.LimitExceeded)
            {
                return Close(connection, output, input, e.Kind == ErrorKind.LimitExceeded ? 413 : 400, e.Detail);
            }

            if (request.ExpectsContinue)
            {
                connection.Items.Remove(ContinueSent);
            }

            consumed = reader.Consumed;
            if (!routes.Respond(request, message.Body.Span, output, closing: !request.KeepAlive))
            {
                _ = connection.CloseAsync(); // after this reply; pipelined requests behind it are dropped
                return input.Length;
            }
        }
    }

    /// <summary>The body has not all arrived: answer Expect: 100-continue, or wait.</summary>
    private long AwaitBody(Connection connection, HttpRequest request, ReadOnlySequence<byte> input, long consumed, IBufferWriter<byte> output)
    {
        if (request.ExpectsContinue && !connection.Items.ContainsKey(ContinueSent))
        {
            if (!routes.TakesBody(request))
            {
                // The final answer instead of 100: the client may still send the body or not, so the framing is lost; close.
                routes.Respond(request, [], output, closing: true);
                _ = connection.CloseAsync();
                return input.Length;
            }

            output.Write(HttpResponse.Continue);
            connection.Items[ContinueSent] = null;
        }

        long limit = Math.Min(_codec.MaxFrameLength, connection.Options.MaxReadBufferSize - 1);
        if (input.Length - consumed >= limit)
        {
            // Chunk framing can cost more than the body it carries: bound the buffered request before the read cap resets it.
            return Close(connection, output, input, 413, $"a request of more than {limit} bytes with its framing");
        }

        return consumed;
    }

    private static long Close(Connection connection, IBufferWriter<byte> output, ReadOnlySequence<byte> input, int status, string problem)
    {
        HttpResponse.Error(output, status, problem);
        _ = connection.CloseAsync();
        return input.Length;
    }
}
