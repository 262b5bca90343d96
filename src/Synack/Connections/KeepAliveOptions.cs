namespace Synack.Connections;

/// <summary>
/// TCP keepalive and TCP_USER_TIMEOUT: how a silent or vanished peer is detected. Defaults detect a dead peer
/// within 60 s (30 s idle + 3 × 10 s probes). [Go uses 15 s / 15 s / 9; Redis 300 s; RFC 1122 allows keepalive
/// but says the default idle must be at least two hours, which is why every serious server overrides it.]
/// </summary>
public sealed class KeepAliveOptions
{
    private TimeSpan _idle = TimeSpan.FromSeconds(30);
    private TimeSpan _interval = TimeSpan.FromSeconds(10);
    private int _count = 3;
    private TimeSpan? _userTimeout;

    /// <summary>Whether SO_KEEPALIVE is set. Default <c>true</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>TCP_KEEPIDLE: silence before the first probe. Default 30 s; 1 s to 24 h.</summary>
    public TimeSpan Idle
    {
        get => _idle;
        set => _idle = Check.Range(value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
    }

    /// <summary>TCP_KEEPINTVL: time between unanswered probes. Default 10 s; 1 s to 1 h.</summary>
    public TimeSpan Interval
    {
        get => _interval;
        set => _interval = Check.Range(value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
    }

    /// <summary>TCP_KEEPCNT: unanswered probes before the connection is declared dead. Default 3; 1 to 127.</summary>
    public int Count
    {
        get => _count;
        set => _count = Check.Range(value, 1, 127);
    }

    /// <summary>
    /// TCP_USER_TIMEOUT (Linux only; ignored elsewhere): how long sent data may stay unacknowledged before the
    /// kernel drops the connection with ETIMEDOUT. Keepalive alone cannot detect a peer that vanished while we
    /// have unacknowledged data queued. Default <c>null</c> = Idle + Interval × Count (60 s), as RFC 5482 and
    /// Cloudflare's "when TCP sockets refuse to die" recommend. Zero disables it; at most 24 h.
    /// </summary>
    public TimeSpan? UserTimeout
    {
        get => _userTimeout;
        set => _userTimeout = value is null ? null : Check.Range(value.Value, TimeSpan.Zero, TimeSpan.FromHours(24));
    }

    /// <summary>The user timeout in effect: <see cref="UserTimeout"/>, or Idle + Interval × Count when unset.</summary>
    public TimeSpan EffectiveUserTimeout => _userTimeout ?? _idle + _interval * _count;
}
