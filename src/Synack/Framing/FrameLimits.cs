namespace Synack.Framing;

/// <summary>Default maxima for decoders of untrusted input. Each cites its precedent; see docs/limits.md.</summary>
public static class FrameLimits
{
    /// <summary>1 MiB: the default maximum frame length. [Kestrel buffers at most 1 MiB of a request; tokio's LengthDelimitedCodec allows 8 MiB.]</summary>
    public const int DefaultMaxFrameLength = 1024 * 1024;

    /// <summary>8 KiB: the default maximum line length. [Kestrel's MaxRequestLineSize is 8 KiB; so is nginx's large_client_header_buffers.]</summary>
    public const int DefaultMaxLineLength = 8 * 1024;

    /// <summary>32 KiB: the default maximum size of an HTTP/1.1-style head. [Kestrel's MaxRequestHeadersTotalSize.]</summary>
    public const int DefaultMaxHeadLength = 32 * 1024;

    /// <summary>100: the default maximum number of header fields. [Kestrel's MaxRequestHeaderCount.]</summary>
    public const int DefaultMaxHeaderCount = 100;
}
