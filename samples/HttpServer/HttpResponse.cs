using System.Buffers;
using System.Globalization;
using System.Text;

namespace HttpServer;

/// <summary>
/// Writes responses straight into the inline handler's output buffer, with no string per response:
/// <code>
/// HTTP/1.1 200 OK\r\n
/// Server: Synack\r\n Date: Wed, 02 Dec 2026 16:00:00 GMT\r\n
/// Content-Type: text/plain\r\n Content-Length: 14\r\n [Connection: close | keep-alive\r\n] [Allow: ...\r\n]
/// \r\n
/// body (not for HEAD)
/// </code>
/// </summary>
internal static class HttpResponse
{
    /// <summary>The interim response to <c>Expect: 100-continue</c>: send the body.</summary>
    public static ReadOnlySpan<byte> Continue => "HTTP/1.1 100 Continue\r\n\r\n"u8;

    private static DateLine s_date = new(0, []);

    /// <summary>How the reply ends the exchange: the connection persists silently, persists as HTTP/1.0 asked, or closes.</summary>
    public enum Persistence
    {
        /// <summary>HTTP/1.1 keep-alive: no Connection field.</summary>
        KeepAlive,

        /// <summary>HTTP/1.0 keep-alive: <c>Connection: keep-alive</c>.</summary>
        KeepAlive10,

        /// <summary><c>Connection: close</c>; the server closes after this reply.</summary>
        Close,
    }

    /// <summary>Writes a whole response; <paramref name="headOnly"/> (HEAD) writes the fields of <paramref name="body"/> but not its bytes.</summary>
    public static void Write(IBufferWriter<byte> output, int status, string contentType, ReadOnlySpan<byte> body,
        Persistence persistence, bool headOnly = false, string? allow = null)
    {
        Ascii(output, "HTTP/1.1 ");
        Number(output, status);
        Ascii(output, " ");
        Ascii(output, Reason(status));
        Ascii(output, "\r\nServer: Synack\r\n");
        output.Write(Date());
        Ascii(output, "Content-Type: ");
        Ascii(output, contentType);
        Ascii(output, "\r\nContent-Length: ");
        Number(output, body.Length);
        Ascii(output, persistence switch
        {
            Persistence.Close => "\r\nConnection: close",
            Persistence.KeepAlive10 => "\r\nConnection: keep-alive",
            _ => "",
        });
        if (allow is not null)
        {
            Ascii(output, "\r\nAllow: ");
            Ascii(output, allow);
        }

        Ascii(output, "\r\n\r\n");
        if (!headOnly)
        {
            output.Write(body);
        }
    }

    /// <summary>An error reply with a one-line explanation, then <c>Connection: close</c>.</summary>
    public static void Error(IBufferWriter<byte> output, int status, string problem) =>
        Write(output, status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes($"{status} {Reason(status)}: {problem}\n"), Persistence.Close);

    public static string Reason(int status) => status switch
    {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        417 => "Expectation Failed",
        431 => "Request Header Fields Too Large",
        505 => "HTTP Version Not Supported",
        _ => "Internal Server Error",
    };

    /// <summary>The Date field (RFC 9110 6.6.1), formatted once per second and shared by every loop thread.</summary>
    private static ReadOnlySpan<byte> Date()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        DateLine line = s_date; // one reference read: a thread sees an old line or a new one, never half of each
        if (line.Second != now)
        {
            line = new DateLine(now, Encoding.ASCII.GetBytes($"Date: {DateTimeOffset.FromUnixTimeSeconds(now).ToString("r", CultureInfo.InvariantCulture)}\r\n"));
            s_date = line;
        }

        return line.Bytes;
    }

    private static void Ascii(IBufferWriter<byte> output, string text)
    {
        Span<byte> span = output.GetSpan(text.Length);
        output.Advance(Encoding.ASCII.GetBytes(text, span));
    }

    private static void Number(IBufferWriter<byte> output, long value)
    {
        Span<byte> span = output.GetSpan(20);
        value.TryFormat(span, out int written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    private sealed record DateLine(long Second, byte[] Bytes);
}
