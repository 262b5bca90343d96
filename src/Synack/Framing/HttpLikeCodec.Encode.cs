using System.Buffers;
using System.Text;
using Synack.Errors;

namespace Synack.Framing;

// Encoding: the start line, the fields (framing headers replaced by the codec's own), the body.
public sealed partial class HttpLikeCodec
{
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
}
