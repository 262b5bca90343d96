using System.Net;

namespace Synack.ProxyProtocol;

/// <summary>
/// What a PROXY protocol header (HAProxy's proxy-protocol.txt, v1 text or v2 binary) says about the connection a proxy
/// accepted: the real client and the address it connected to.
/// </summary>
/// <param name="Version">1 (text) or 2 (binary).</param>
/// <param name="Source">The original client, or null for a LOCAL (health check) or UNKNOWN header.</param>
/// <param name="Destination">The address the client connected to on the proxy, or null likewise.</param>
public sealed record ProxyHeader(int Version, IPEndPoint? Source, IPEndPoint? Destination)
{
    /// <summary>True when the proxy speaks for itself (v2 LOCAL, v1 UNKNOWN): keep the connection's own addresses.</summary>
    public bool IsLocal => Source is null;

    /// <summary>The v2 header's type-length-value extensions, in order (empty for v1). A CRC32c TLV has been verified.</summary>
    public IReadOnlyList<ProxyTlv> Tlvs { get; init; } = [];

    /// <summary>The server name the client asked for (PP2_TYPE_AUTHORITY, usually from TLS SNI), if the proxy sent it.</summary>
    public string? Authority => Tlvs.FirstOrDefault(t => t.Type == ProxyTlv.AuthorityType) is { Type: ProxyTlv.AuthorityType } tlv
        ? System.Text.Encoding.UTF8.GetString(tlv.Value.Span)
        : null;
}
