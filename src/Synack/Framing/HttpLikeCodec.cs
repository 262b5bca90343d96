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
public sealed class HttpLikeCodec : IFrameDecoder<HttpLikeMessage>, IFrameEncoder<HttpLikeMessage>
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
    public bool TryDecode(ref SequenceReader<byte> input, out HttpLikeMessage frame)
    {
        frame = null!;
        SequenceReader<byte> probe = input;
        if (!probe.TryReadTo(out ReadOnlySequence<byte> head, "\r\n\r\n"u8, advancePastDelimiter: true))
        {
            if (probe.Remaining > _options.MaxHeadLength)
            {
                throw SynackException.Limit($"no end of head within {_options.MaxHeadLength} bytes (the maximum head length)");
            }

            return false;
        }

        if (head.Length + 4 > _options.MaxHeadLength)
        {
            throw SynackException.Limit($"head of {head.Length + 4} bytes exceeds the maximum head length {_options.MaxHeadLength}");
        }

        string[] lines = SplitLines(head);
        var headers = ParseFields(lines.AsSpan(1), "header");
        (long? contentLength, bool chunked) = BodyFraming(headers);

        ReadOnlyMemory<byte> body;
        if (chunked)
        {
            if (!TryReadChunkedBody(ref probe, out body))
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
                return false;
            }

            body = probe.UnreadSequence.Slice(0, length).ToArray();
            probe.Advance(length);
        }

        input = probe;
        frame = new HttpLikeMessage(lines[0], headers, body, chunked);
        return true;
    }

    /// <inheritdoc/>
    public void Encode(in HttpLikeMessage frame, IBufferWriter<byte> output)
    {
        if (frame.Body.Length > _options.MaxBodyLength)
        {
            throw SynackException.Limit($"body of {frame.Body.Length} bytes exceeds the maximum body length {_options.MaxBodyLength}");
        }

        CheckText(frame.StartLine, "start line");
        var text = new StringBuilder(frame.StartLine).Append("\r\n");
        foreach ((string name, string value) in frame.Headers)
        {
            if (IsFramingHeader(name))
            {
                continue;
            }

            if (name.Length == 0 || name.AsSpan().ContainsAnyExcept(TokenChars))
            {
                throw new ArgumentException($"header name '{name}' is not a token", nameof(frame));
            }

            CheckText(value, "header value");
            text.Append(name).Append(": ").Append(value.Trim(' ', '\t')).Append("\r\n");
        }

        text.Append(frame.Chunked ? "Transfer-Encoding: chunked\r\n\r\n" : $"Content-Length: {frame.Body.Length}\r\n\r\n");
        if (frame.Chunked && !frame.Body.IsEmpty)
        {
            text.Append(frame.Body.Length.ToString("x")).Append("\r\n");
        }

        output.Write(Encoding.ASCII.GetBytes(text.ToString()));
        output.Write(frame.Body.Span);
        if (frame.Chunked)
        {
            output.Write(frame.Body.IsEmpty ? "0\r\n\r\n"u8 : "\r\n0\r\n\r\n"u8);
        }
    }

    private static void CheckText(string text, string what)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0 || text.Any(c => c > 0x7E && c < 0xA0) || text.Any(c => c > 0xFF))
        {
            throw new ArgumentException($"{what} contains CR, LF, NUL or a non-Latin-1 character", nameof(text));
        }
    }

    private static bool IsFramingHeader(string name) =>
        name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase);

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

    private static (long? ContentLength, bool Chunked) BodyFraming(List<KeyValuePair<string, string>> headers)
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

    private bool TryReadChunkedBody(ref SequenceReader<byte> probe, out ReadOnlyMemory<byte> body)
    {
        body = default;
        var chunks = new List<ReadOnlySequence<byte>>();
        long total = 0;
        while (true)
        {
            if (!TryReadBoundedLine(ref probe, MaxChunkLineLength, "chunk-size line", out string line))
            {
                return false;
            }

            long size = ParseChunkSize(line);
            total += size;
            if (total > _options.MaxBodyLength)
            {
                throw SynackException.Limit($"chunked body of at least {total} bytes exceeds the maximum body length {_options.MaxBodyLength}");
            }

            if (size == 0)
            {
                break;
            }

            if (probe.Remaining < size + 2)
            {
                return false;
            }

            chunks.Add(probe.UnreadSequence.Slice(0, size));
            probe.Advance(size);
            if (!probe.IsNext("\r\n"u8, advancePast: true))
            {
                throw SynackException.Protocol("chunk data not followed by CRLF");
            }
        }

        if (!TryReadTrailers(ref probe))
        {
            return false;
        }

        byte[] bytes = new byte[total];
        int at = 0;
        foreach (ReadOnlySequence<byte> chunk in chunks)
        {
            chunk.CopyTo(bytes.AsSpan(at));
            at += (int)chunk.Length;
        }

        body = bytes;
        return true;
    }

    private bool TryReadTrailers(ref SequenceReader<byte> probe)
    {
        var trailers = new List<string>();
        long start = probe.Consumed;
        while (true)
        {
            long budget = _options.MaxHeadLength - (probe.Consumed - start);
            if (!TryReadBoundedLine(ref probe, budget, "trailer section", out string line))
            {
                return false;
            }

            if (line.Length == 0)
            {
                ParseFields(trailers.ToArray(), "trailer"); // validated, then ignored
                return true;
            }

            trailers.Add(line);
        }
    }

    /// <summary>Reads one CRLF-terminated line of at most <paramref name="maxLength"/> bytes; false when incomplete.</summary>
    private static bool TryReadBoundedLine(ref SequenceReader<byte> probe, long maxLength, string what, out string line)
    {
        line = "";
        if (!probe.TryReadTo(out ReadOnlySequence<byte> bytes, "\r\n"u8, advancePastDelimiter: true))
        {
            if (probe.Remaining > maxLength)
            {
                throw SynackException.Limit($"{what} longer than {maxLength} bytes");
            }

            return false;
        }

        if (bytes.Length > maxLength)
        {
            throw SynackException.Limit($"{what} longer than {maxLength} bytes");
        }

        line = Encoding.Latin1.GetString(bytes);
        if (line.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw SynackException.Protocol($"bare CR or LF in a {what}");
        }

        return true;
    }

    private static long ParseChunkSize(string line)
    {
        int end = 0;
        while (end < line.Length && char.IsAsciiHexDigit(line[end]))
        {
            end++;
        }

        string rest = line[end..].TrimStart(' ', '\t');
        if (end == 0 || (rest.Length > 0 && rest[0] != ';'))
        {
            throw SynackException.Protocol($"malformed chunk size '{line}'");
        }

        if (end > 15)
        {
            throw SynackException.Protocol($"chunk size '{line[..end]}' overflows");
        }

        return long.Parse(line.AsSpan(0, end), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture);
    }
}
