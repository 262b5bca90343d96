namespace Synack.Tls;

/// <summary>The handshake bound shared by <see cref="TlsServerOptions"/> and <see cref="TlsClientOptions"/>.</summary>
public abstract class TlsHandshakeTimeout
{
    private TimeSpan _handshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest the TLS handshake may take; then the connection is aborted (RST) with
    /// <see cref="Connections.CloseReason.Timeout"/>. Default 10 s [Kestrel's TlsHandshakeTimeout]. 100 ms – 5 min.
    /// </summary>
    public TimeSpan HandshakeTimeout
    {
        get => _handshakeTimeout;
        set => _handshakeTimeout = Check.Range(value, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
    }
}
