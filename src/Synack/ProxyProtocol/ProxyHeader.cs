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
}
