namespace Synack.Testing.Proxy;

/// <summary>Which way bytes flow through the proxy.</summary>
[Flags]
public enum Direction
{
    /// <summary>Client to server.</summary>
    Upstream = 1,

    /// <summary>Server to client.</summary>
    Downstream = 2,

    /// <summary>Both ways.</summary>
    Both = Upstream | Downstream,
}
