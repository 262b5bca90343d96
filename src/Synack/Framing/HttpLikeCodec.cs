using System.Buffers;
using System.Text;
using Synack.Errors;

namespace Synack.Framing;

/// <summary>
/// Self-describing framing: an HTTP/1.1-style head terminated by CRLFCRLF, then a body delimited by Content-Length or
/// chunked transfer coding, parsed strictly per RFC 9112.
/// <code>
/// start-line CRLF
/// *( field-name ":" OWS field-value OWS CRLF )
/// CRLF
/// body:  Content-Length: N        → N bytes
///        Transfer-Encoding: chunked → *( hex-size [ ";" ext ] CRLF data CRLF ) "0" CRLF *( trailer CRLF ) CRLF
///        neither                  → empty
/// </code>
/// Rejected as <see cref="ErrorKind.ProtocolError"/>: bare LF or CR, whitespace before a colon, obsolete line folding, a
/// non-token field name, a Content-Length that is not plain digits or that conflicts with another, any transfer coding but
/// exactly <c>chunked</c>, both Content-Length and Transfer-Encoding (the request-smuggling pattern), a malformed chunk.
/// Rejected as <see cref="ErrorKind.LimitExceeded"/>, before the body is buffered: a head past
/// <see cref="HttpLikeOptions.MaxHeadLength"/> or with too many fields, a Content-Length or chunk-size sum past
/// <see cref="HttpLikeOptions.MaxBodyLength"/>.
/// </summary>
public sealed partial class HttpLikeCodec : IFrameLengthDecoder<HttpLikeMessage>, IFrameEncoder<HttpLikeMessage>
{
    private const int MaxChunkLineLength = 1024;
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private readonly HttpLikeOptions _options;

    /// <summary>Creates a codec; the options are read at each call, so configure them before use.</summary>
    public HttpLikeCodec(HttpLikeOptions? options = null) => _options = options ?? new HttpLikeOptions();

    /// <summary>
    /// Head + trailers + twice the body: chunk framing may cost at most as many bytes as the body it carries, so a body
    /// sent as thousands of 1-byte chunks hits this limit (a known amplification trick) instead of buffering without bound.
    /// </summary>
    public long MaxFrameLength => 2L * _options.MaxHeadLength + 2L * _options.MaxBodyLength + MaxChunkLineLength;

    /// <inheritdoc/>
    public bool TryDecode(ref SequenceReader<byte> input, out HttpLikeMessage frame) => TryDecode(ref input, out frame, out _);

    /// <inheritdoc/>
    /// <remarks>
    /// Nothing is accepted before the whole head (at most <see cref="HttpLikeOptions.MaxHeadLength"/>); then the length is
    /// the head plus the Content-Length, or, for a chunked body, everything up to the end of the chunk being received plus
    /// the last chunk's 5 bytes (it grows as each chunk header is accepted).
    /// </remarks>
    public bool TryDecode(ref SequenceReader<byte> input, out HttpLikeMessage frame, out long frameLength)
    {
        frame = null!;
        frameLength = 0;
        SequenceReader<byte> probe = input;
        if (!TryDecodeHead(ref probe, out HttpLikeMessage head))
        {
            return false;
        }

        long headLength = probe.Consumed - input.Consumed;
        if (!TryDecodeBodyCore(ref probe, head, out frame, out long bodyLength))
        {
            frameLength = bodyLength == 0 ? 0 : headLength + bodyLength;
            return false;
        }

        input = probe;
        return true;
    }

    /// <summary>
    /// Decodes only the head (start line and header fields, validated as by <see cref="TryDecode(ref SequenceReader{byte}, out HttpLikeMessage)"/>, framing headers
    /// included) and advances past its blank line, before any of the body has arrived: a server needs it to answer
    /// <c>Expect: 100-continue</c>, or to tell a head over its limits (HTTP 431) from a body over its limit (413).
    /// </summary>
    /// <param name="input">The bytes; advanced past the head only when it is complete.</param>
    /// <param name="head">The head, with an empty <see cref="HttpLikeMessage.Body"/>; <see cref="HttpLikeMessage.Chunked"/>
    /// says whether a chunked body follows. Pass it to <see cref="TryDecodeBody"/> for the body.</param>
    /// <returns>False when the head is incomplete (nothing consumed).</returns>
    /// <exception cref="SynackException"><see cref="ErrorKind.LimitExceeded"/> for a head past
    /// <see cref="HttpLikeOptions.MaxHeadLength"/> or with more than <see cref="HttpLikeOptions.MaxHeaderCount"/> fields, and
    /// only for those; <see cref="ErrorKind.ProtocolError"/> for a malformed head or conflicting framing headers. The
    /// Content-Length limit is the body's, checked by <see cref="TryDecodeBody"/>.</exception>
    public bool TryDecodeHead(ref SequenceReader<byte> input, out HttpLikeMessage head)
    {
        head = null!;
        SequenceReader<byte> probe = input;
        if (!probe.TryReadTo(out ReadOnlySequence<byte> bytes, "\r\n\r\n"u8, advancePastDelimiter: true))
        {
            if (probe.Remaining > _options.MaxHeadLength)
            {
                throw SynackException.Limit($"no end of head within {_options.MaxHeadLength} bytes (the maximum head length)");
            }

            return false;
        }

        if (bytes.Length + 4 > _options.MaxHeadLength)
        {
            throw SynackException.Limit($"head of {bytes.Length + 4} bytes exceeds the maximum head length {_options.MaxHeadLength}");
        }

        string[] lines = SplitLines(bytes);
        var headers = ParseFields(lines.AsSpan(1), "header");
        (_, bool chunked) = BodyFraming(headers);
        input = probe;
        head = new HttpLikeMessage(lines[0], headers, default, chunked);
        return true;
    }

    /// <summary>
    /// Decodes the body that follows <paramref name="head"/> (from <see cref="TryDecodeHead"/>): Content-Length bytes, the
    /// chunks and trailers, or nothing. The declared length is checked against <see cref="HttpLikeOptions.MaxBodyLength"/>
    /// at once, before any of it is buffered, and chunk sizes as each chunk header arrives.
    /// </summary>
    /// <param name="input">The bytes after the head; advanced past the body only when it is complete.</param>
    /// <param name="head">The head the body belongs to.</param>
    /// <param name="message">The whole message: <paramref name="head"/>'s start line and fields with the body.</param>
    /// <returns>False when the body is incomplete (nothing consumed).</returns>
    /// <exception cref="SynackException"><see cref="ErrorKind.LimitExceeded"/> for a body (or trailer section) past its
    /// limit; <see cref="ErrorKind.ProtocolError"/> for malformed chunking or trailers.</exception>
    public bool TryDecodeBody(ref SequenceReader<byte> input, HttpLikeMessage head, out HttpLikeMessage message) =>
        TryDecodeBodyCore(ref input, head, out message, out _);

    /// <summary><see cref="TryDecodeBody"/>; when incomplete, <paramref name="bodyLength"/> is the body's known length (0: not yet known).</summary>
    private bool TryDecodeBodyCore(ref SequenceReader<byte> input, HttpLikeMessage head, out HttpLikeMessage message, out long bodyLength)
    {
        ArgumentNullException.ThrowIfNull(head);
        message = null!;
        bodyLength = 0;
        SequenceReader<byte> probe = input;
        (long? contentLength, bool chunked) = BodyFraming(head.Headers);
        ReadOnlyMemory<byte> body;
        if (chunked)
        {
            if (!TryReadChunkedBody(ref probe, out body, out bodyLength))
            {
                return false;
            }
        }
        else
        {
            long length = contentLength ?? 0;
            if (length > _options.MaxBodyLength)
            {
                throw SynackException.Limit($"Content-Length {length} exceeds the maximum body length {_options.MaxBodyLength}");
            }

            if (probe.Remaining < length)
            {
                bodyLength = length;
                return false;
            }

            body = length == 0 ? ReadOnlyMemory<byte>.Empty : probe.UnreadSequence.Slice(0, length).ToArray();
            probe.Advance(length);
        }

        input = probe;
        message = body.IsEmpty && !chunked ? head : new HttpLikeMessage(head.StartLine, head.Headers, body, chunked);
        return true;
    }

    /// <summary>Splits a head (without its final CRLFCRLF) into lines, rejecting bare CR and bare LF.</summary>
    private static string[] SplitLines(in ReadOnlySequence<byte> head)
    {
        string text = Encoding.Latin1.GetString(head);
        string[] lines = text.Split("\r\n");
        foreach (string line in lines)
        {
            if (line.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                throw SynackException.Protocol("bare CR or LF in the head; lines must end with CRLF");
            }
        }

        if (lines[0].Length == 0)
        {
            throw SynackException.Protocol("empty start line");
        }

        return lines;
    }

    private List<KeyValuePair<string, string>> ParseFields(ReadOnlySpan<string> lines, string what)
    {
        if (lines.Length > _options.MaxHeaderCount)
        {
            throw SynackException.Limit($"{lines.Length} {what} fields exceed the maximum of {_options.MaxHeaderCount}");
        }

        var fields = new List<KeyValuePair<string, string>>(lines.Length);
        foreach (string line in lines)
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t'))
            {
                throw SynackException.Protocol($"obsolete line folding in a {what} field");
            }

            int colon = line.IndexOf(':');
            if (colon <= 0 || line.AsSpan(0, colon).ContainsAnyExcept(TokenChars))
            {
                throw SynackException.Protocol($"malformed {what} field (the name must be a token followed directly by ':')");
            }

            string value = line[(colon + 1)..].Trim(' ', '\t');
            if (value.AsSpan().IndexOfAnyInRange('\0', '\x08') >= 0 || value.Contains('\x7f'))
            {
                throw SynackException.Protocol($"control character in a {what} value");
            }

            fields.Add(new(line[..colon], value));
        }

        return fields;
    }

    private static (long? ContentLength, bool Chunked) BodyFraming(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        long? contentLength = null;
        int transferEncodings = 0;
        bool chunked = false;
        foreach ((string name, string value) in headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (value.Length is 0 or > 18 || value.AsSpan().ContainsAnyExceptInRange('0', '9'))
                {
                    throw SynackException.Protocol($"Content-Length '{value}' is not a plain decimal number");
                }

                long parsed = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                if (contentLength is { } earlier && earlier != parsed)
                {
                    throw SynackException.Protocol("conflicting Content-Length values");
                }

                contentLength = parsed;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                transferEncodings++;
                chunked = value.Equals("chunked", StringComparison.OrdinalIgnoreCase);
                if (!chunked || transferEncodings > 1)
                {
                    throw SynackException.Protocol($"unsupported Transfer-Encoding '{value}' (only a single 'chunked' is accepted)");
                }
            }
        }

        if (chunked && contentLength is not null)
        {
            throw SynackException.Protocol("both Content-Length and Transfer-Encoding (a request-smuggling pattern)");
        }

        return (contentLength, chunked);
    }
}
