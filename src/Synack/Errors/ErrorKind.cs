namespace Synack.Errors;

/// <summary>
/// What went wrong, in the terms a TCP programmer reasons in. Every <see cref="SynackException"/> carries
/// exactly one kind; <see cref="SocketErrors.Classify"/> is the single place platform codes become kinds.
/// </summary>
public enum ErrorKind
{
    /// <summary>Not classified; the inner exception or socket error says more.</summary>
    Other = 0,

    /// <summary>ECONNREFUSED: the host answered with RST; no server is listening on that port.</summary>
    Refused,

    /// <summary>EHOSTUNREACH / ENETUNREACH: no route to the host or network.</summary>
    Unreachable,

    /// <summary>ETIMEDOUT or a Synack deadline: the peer or the network stayed silent too long.</summary>
    TimedOut,

    /// <summary>ECONNRESET: the peer (or a middlebox) sent RST; data in flight may be lost.</summary>
    Reset,

    /// <summary>EPIPE: we wrote after the connection was shut down for writing or reset.</summary>
    BrokenPipe,

    /// <summary>EADDRINUSE / EADDRNOTAVAIL: the local address cannot be bound.</summary>
    AddressInUse,

    /// <summary>getaddrinfo failed: the host name did not resolve.</summary>
    NameResolution,

    /// <summary>The operation ran on a connection that this side already closed or aborted.</summary>
    Closed,

    /// <summary>The peer sent bytes that violate the framing or protocol (malformed header, bad length).</summary>
    ProtocolError,

    /// <summary>A configured limit was exceeded (frame length, line length, buffer cap, connections).</summary>
    LimitExceeded,

    /// <summary>End-of-stream arrived in the middle of a frame: the frame was cut short.</summary>
    TruncatedFrame,

    /// <summary>The TLS handshake failed: certificate rejected, no common protocol or cipher, or not TLS at all.</summary>
    Tls,

    /// <summary>
    /// No connection yet, or between two (a <see cref="Client.ReconnectingClient"/> reconnecting): nothing was sent or
    /// queued. Retry once connected.
    /// </summary>
    NotConnected,
}
