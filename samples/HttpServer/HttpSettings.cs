using Synack.Framing;

namespace HttpServer;

/// <summary>
/// The sample's own settings, configuration section <c>Http</c> (the server's socket options are in
/// <c>Synack:Servers:Http</c>). The limits are the codec's (<see cref="HttpLikeOptions"/>), validated by its setters.
/// <code>
/// "Http": { "Root": "www", "MaxHeadLength": 32768, "MaxHeaderCount": 100, "MaxBodyLength": 1048576 }
/// </code>
/// </summary>
public sealed class HttpSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Http";

    /// <summary>The directory static files are served from; relative to the current directory. <c>null</c>: no files.</summary>
    public string? Root { get; set; }

    /// <summary>The codec's limits; a request past them is answered 431 (head) or 413 (body), then the connection closes.</summary>
    public HttpLikeOptions Limits { get; } = new();

    /// <summary>Largest request head (request line, fields, blank line): 431 beyond. Default 32 KiB [Kestrel].</summary>
    public int MaxHeadLength
    {
        get => Limits.MaxHeadLength;
        set => Limits.MaxHeadLength = value;
    }

    /// <summary>Most header fields: 431 beyond. Default 100 [Kestrel].</summary>
    public int MaxHeaderCount
    {
        get => Limits.MaxHeaderCount;
        set => Limits.MaxHeaderCount = value;
    }

    /// <summary>Largest request body (Content-Length or the chunks' sum): 413 beyond. Default 1 MiB [nginx's client_max_body_size].</summary>
    public int MaxBodyLength
    {
        get => Limits.MaxBodyLength;
        set => Limits.MaxBodyLength = value;
    }
}
