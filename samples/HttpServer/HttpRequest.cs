using System.Buffers;
using Synack.Framing;

namespace HttpServer;

/// <summary>
/// What the server acts on in a request head (RFC 9112): <c>method SP request-target SP HTTP-version</c>, whether the
/// connection persists, and the expectation. <see cref="TryParse"/> rejects what a strict server must: a malformed request
/// line (400), a version other than 1.0 and 1.1 (505), an HTTP/1.1 request without exactly one Host (400), an expectation
/// other than <c>100-continue</c> (417).
/// </summary>
internal sealed record HttpRequest(string Method, string Path, bool Http10, bool KeepAlive, bool ExpectsContinue, bool HasBody)
{
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>Whether the method sends no body in the reply (HEAD: the same fields as GET, no body).</summary>
    public bool IsHead => Method == "HEAD";

    /// <summary>Reads <paramref name="head"/>; on failure <paramref name="status"/> is the status to answer before closing.</summary>
    public static bool TryParse(HttpLikeMessage head, out HttpRequest request, out int status, out string problem)
    {
        request = null!;
        string[] parts = head.StartLine.Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[0].AsSpan().ContainsAnyExcept(TokenChars)
            || parts[1].Length == 0 || parts[1].AsSpan().ContainsAnyExceptInRange('!', '~'))
        {
            return Fail(400, "malformed request line", out status, out problem);
        }

        string version = parts[2];
        if (version is not ("HTTP/1.1" or "HTTP/1.0"))
        {
            bool wellFormed = version.Length == 8 && version.StartsWith("HTTP/", StringComparison.Ordinal)
                && char.IsAsciiDigit(version[5]) && version[6] == '.' && char.IsAsciiDigit(version[7]);
            return Fail(wellFormed ? 505 : 400, wellFormed ? $"{version} is not supported" : "malformed HTTP version", out status, out problem);
        }

        bool http10 = version == "HTTP/1.0";
        int hosts = head.Headers.Count(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase));
        if (hosts > 1 || (!http10 && hosts == 0))
        {
            return Fail(400, "an HTTP/1.1 request needs exactly one Host field", out status, out problem);
        }

        string? expect = head.GetHeader("Expect");
        if (expect is not null && !expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            return Fail(417, $"unsupported expectation '{expect}'", out status, out problem);
        }

        if (!TryPath(parts[1], out string path))
        {
            return Fail(400, "malformed request target", out status, out problem);
        }

        string? length = head.GetHeader("Content-Length"); // already validated by the codec: plain digits
        bool hasBody = head.Chunked || (length is not null && length.Trim('0').Length > 0);
        request = new HttpRequest(parts[0], path, http10, Persists(head, http10), expect is not null && !http10, hasBody);
        status = 0;
        problem = "";
        return true;
    }

    /// <summary>HTTP/1.1 persists unless <c>Connection: close</c>; HTTP/1.0 closes unless <c>Connection: keep-alive</c>.</summary>
    private static bool Persists(HttpLikeMessage head, bool http10)
    {
        bool close = false, keepAlive = false;
        foreach ((string name, string value) in head.Headers)
        {
            if (!name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (string option in value.Split(',', StringSplitOptions.TrimEntries))
            {
                close |= option.Equals("close", StringComparison.OrdinalIgnoreCase);
                keepAlive |= option.Equals("keep-alive", StringComparison.OrdinalIgnoreCase);
            }
        }

        return !close && (!http10 || keepAlive);
    }

    /// <summary>The decoded path of an origin-form (<c>/a/b?q</c>) or absolute-form (<c>http://host/a/b</c>) target.</summary>
    private static bool TryPath(string target, out string path)
    {
        path = "";
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            int slash = target.IndexOf('/', "http://".Length);
            target = slash < 0 ? "/" : target[slash..];
        }

        if (target[0] != '/')
        {
            return false;
        }

        int query = target.IndexOfAny(['?', '#']);
        path = Uri.UnescapeDataString(query < 0 ? target : target[..query]);
        return !path.Contains('\0');
    }

    private static bool Fail(int code, string why, out int status, out string problem)
    {
        status = code;
        problem = why;
        return false;
    }
}
