namespace Synack.Connections;

/// <summary>
/// An application-level heartbeat: when nothing has been sent for <see cref="Interval"/>, <see cref="Payload"/> is sent
/// (a frame the peer's protocol ignores or answers, such as an empty line or a PING frame). Together with
/// <see cref="ConnectionOptions.IdleTimeout"/> on the peer it detects dead peers above TCP, through proxies and load
/// balancers that answer keepalive probes themselves. Off by default: only the application knows a harmless payload.
/// </summary>
public sealed record Heartbeat
{
    /// <summary>Creates a heartbeat; the interval must be 1 s – 1 h and the payload non-empty.</summary>
    public Heartbeat(TimeSpan interval, ReadOnlyMemory<byte> payload)
    {
        Interval = Check.Range(interval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Payload = payload.IsEmpty ? throw new ArgumentException("A heartbeat needs a payload.", nameof(payload)) : payload;
    }

    /// <summary>How long sending may pause before a heartbeat goes out.</summary>
    public TimeSpan Interval { get; }

    /// <summary>The bytes sent as one unit (never interleaved with other frames).</summary>
    public ReadOnlyMemory<byte> Payload { get; }
}
