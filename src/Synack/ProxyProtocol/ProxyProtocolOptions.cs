using System.Net;

namespace Synack.ProxyProtocol;

/// <summary>
/// Accept the PROXY protocol (v1 and v2) from trusted proxies such as HAProxy, so handlers see the real client in
/// <see cref="Connections.Connection.ClientEndPoint"/>. Never auto-detected: a listener either expects the header from
/// its trusted proxies or does not parse it at all. [proxy-protocol.txt: "the receiver MUST be configured to only
/// receive the protocol described in this specification and MUST NOT try to guess".]
/// </summary>
public sealed class ProxyProtocolOptions
{
    private TimeSpan _headerTimeout = TimeSpan.FromSeconds(5);
    private int _maxHeaderLength = 1024;

    /// <summary>Networks whose connections must start with a PROXY header (for example 10.0.0.0/8 or 127.0.0.1/32).</summary>
    public IList<IPNetwork> TrustedProxies { get; } = new List<IPNetwork>();

    /// <summary>
    /// Whether peers outside <see cref="TrustedProxies"/> may connect directly (served without a header, their own address
    /// as the client). Default <c>false</c>: they are rejected, so a client cannot bypass the proxy to spoof its address
    /// or skip the proxy's rules.
    /// </summary>
    public bool AllowDirectConnections { get; set; }

    /// <summary>How long a trusted proxy may take to send the header; then the connection is aborted with
    /// <see cref="Connections.CloseReason.Timeout"/>. Default 5 s [HAProxy's and nginx's header timeouts]. 100 ms – 1 min.</summary>
    public TimeSpan HeaderTimeout
    {
        get => _headerTimeout;
        set => _headerTimeout = Check.Range(value, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
    }

    /// <summary>The longest v2 header accepted (TLVs included). Default 1 KiB. 107 B – 64 KiB.</summary>
    public int MaxHeaderLength
    {
        get => _maxHeaderLength;
        set => _maxHeaderLength = Check.Range(value, 107, 16 + ushort.MaxValue);
    }

    /// <summary>Adds a trusted network; returns this for chaining.</summary>
    public ProxyProtocolOptions Trust(IPNetwork network)
    {
        TrustedProxies.Add(network);
        return this;
    }

    internal bool Trusts(EndPoint remote) =>
        remote is IPEndPoint ip && TrustedProxies.Any(n => n.Contains(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address));
}
