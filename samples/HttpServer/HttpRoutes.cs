using System.Buffers;
using System.Text;

namespace HttpServer;

/// <summary>
/// What the server answers, by path:
/// <code>
/// GET|HEAD /hello        200 "Hello, world!\n" (text/plain), the fixed-body route
/// POST|PUT /echo         200 with the request body (application/octet-stream): uploads, chunked or not
/// GET|HEAD /any/path     the file under Http:Root (a directory: its index.html), or 404
/// anything else          405 with Allow
/// </code>
/// </summary>
public sealed class HttpRoutes(StaticFiles files)
{
    private static readonly byte[] Hello = Encoding.ASCII.GetBytes("Hello, world!\n");

    /// <summary>Whether the route reads a request body (the others answer without it).</summary>
    internal bool TakesBody(HttpRequest request) => request.Path == "/echo" && request.Method is "POST" or "PUT";

    /// <summary>Writes the reply to <paramref name="request"/>; false when the connection must close after it.</summary>
    internal bool Respond(HttpRequest request, ReadOnlySpan<byte> body, IBufferWriter<byte> output, bool closing)
    {
        var persistence = closing ? HttpResponse.Persistence.Close
            : request.Http10 ? HttpResponse.Persistence.KeepAlive10 : HttpResponse.Persistence.KeepAlive;
        switch (request.Path)
        {
            case "/hello" when request.Method is "GET" or "HEAD":
                HttpResponse.Write(output, 200, "text/plain; charset=utf-8", Hello, persistence, request.IsHead);
                break;
            case "/echo" when TakesBody(request):
                HttpResponse.Write(output, 200, "application/octet-stream", body, persistence);
                break;
            case "/echo":
                HttpResponse.Write(output, 405, "text/plain", "405 Method Not Allowed\n"u8, persistence, allow: "POST, PUT");
                break;
            default:
                return File(request, output, persistence) && !closing;
        }

        return !closing;
    }

    private bool File(HttpRequest request, IBufferWriter<byte> output, HttpResponse.Persistence persistence)
    {
        if (request.Method is not ("GET" or "HEAD"))
        {
            HttpResponse.Write(output, 405, "text/plain", "405 Method Not Allowed\n"u8, persistence, allow: "GET, HEAD");
            return true;
        }

        StaticFile? file;
        try
        {
            file = files.Find(request.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            HttpResponse.Error(output, e is UnauthorizedAccessException ? 403 : 500, e.Message);
            return false;
        }

        if (file is null)
        {
            HttpResponse.Write(output, 404, "text/plain", "404 Not Found\n"u8, persistence, request.IsHead);
        }
        else
        {
            HttpResponse.Write(output, 200, file.ContentType, file.Content, persistence, request.IsHead);
        }

        return true;
    }
}
