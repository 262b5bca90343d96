namespace Synack.Framing;

/// <summary>Limits of <see cref="HttpLikeCodec"/>. Setters validate; defaults follow Kestrel (docs/limits.md).</summary>
public sealed class HttpLikeOptions
{
    private int _maxHeadLength = FrameLimits.DefaultMaxHeadLength;
    private int _maxHeaderCount = FrameLimits.DefaultMaxHeaderCount;
    private int _maxBodyLength = FrameLimits.DefaultMaxFrameLength;

    /// <summary>Largest head (start line, headers, blank line), and separately the largest trailer section. Default 32 KiB
    /// [Kestrel MaxRequestHeadersTotalSize]; 64 bytes to 1 MiB.</summary>
    public int MaxHeadLength
    {
        get => _maxHeadLength;
        set => _maxHeadLength = Check.Range(value, 64, 1 << 20);
    }

    /// <summary>Most header fields (and, separately, trailer fields). Default 100 [Kestrel MaxRequestHeaderCount]; 1 to 10,000.</summary>
    public int MaxHeaderCount
    {
        get => _maxHeaderCount;
        set => _maxHeaderCount = Check.Range(value, 1, 10_000);
    }

    /// <summary>Largest body (Content-Length, or the sum of chunk sizes). Default 1 MiB; 0 to 1 GiB.</summary>
    public int MaxBodyLength
    {
        get => _maxBodyLength;
        set => _maxBodyLength = Check.Range(value, 0, 1 << 30);
    }
}
