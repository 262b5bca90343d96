namespace Synack.Framing;

/// <summary>
/// A self-describing message: an HTTP/1.1-style start line and header fields, and a body whose length the head announces
/// (<c>Content-Length</c> or <c>Transfer-Encoding: chunked</c>). Decoded by <see cref="HttpLikeCodec"/>.
/// </summary>
public sealed class HttpLikeMessage
{
    /// <summary>Creates a message.</summary>
    /// <param name="startLine">The first line, without CRLF (for example <c>GET / HTTP/1.1</c>).</param>
    /// <param name="headers">Header fields in order. When encoding, Content-Length and Transfer-Encoding are replaced by the codec.</param>
    /// <param name="body">The body bytes (for chunked messages, the concatenated chunk data).</param>
    /// <param name="chunked">Whether the body is (to be) sent with <c>Transfer-Encoding: chunked</c>.</param>
    public HttpLikeMessage(string startLine, IReadOnlyList<KeyValuePair<string, string>>? headers = null, ReadOnlyMemory<byte> body = default, bool chunked = false)
    {
        StartLine = startLine ?? throw new ArgumentNullException(nameof(startLine));
        Headers = headers ?? Array.Empty<KeyValuePair<string, string>>();
        Body = body;
        Chunked = chunked;
    }

    /// <summary>The first line, without CRLF.</summary>
    public string StartLine { get; }

    /// <summary>Header fields in wire order (decoded messages include the framing header as received).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The body. Decoded bodies are copies, valid after the frame is released.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>Whether the body was (or is to be) sent with chunked transfer coding.</summary>
    public bool Chunked { get; }

    /// <summary>The first value of header <paramref name="name"/> (case-insensitive), or <c>null</c>.</summary>
    public string? GetHeader(string name)
    {
        foreach (KeyValuePair<string, string> header in Headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }

        return null;
    }
}
