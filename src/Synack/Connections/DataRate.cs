namespace Synack.Connections;

/// <summary>
/// A minimum data rate with a grace period (Kestrel's MinDataRate): once <see cref="Grace"/> has passed in a measured
/// window, fewer than <see cref="BytesPerSecond"/> × elapsed seconds moved means the peer is too slow, and the
/// connection is aborted with <see cref="CloseReason.Timeout"/>.
/// </summary>
public sealed record DataRate
{
    /// <summary>Creates a rate; throws <see cref="ArgumentOutOfRangeException"/> outside 1 B/s – 1 GiB/s or a grace of 0 – 1 h.</summary>
    public DataRate(double bytesPerSecond, TimeSpan grace)
    {
        BytesPerSecond = Check.Range(bytesPerSecond, 1, 1024.0 * 1024 * 1024);
        Grace = Check.Range(grace, TimeSpan.Zero, TimeSpan.FromHours(1));
    }

    /// <summary>240 B/s after a 5 s grace period. [Kestrel's MinRequestBodyDataRate and MinResponseDataRate.]</summary>
    public static DataRate Default { get; } = new(240, TimeSpan.FromSeconds(5));

    /// <summary>The slowest acceptable average, in bytes per second.</summary>
    public double BytesPerSecond { get; }

    /// <summary>How long a window runs before the rate is enforced.</summary>
    public TimeSpan Grace { get; }

    /// <summary>True when <paramref name="bytes"/> moved in <paramref name="elapsed"/> is too slow (after the grace period).</summary>
    public bool IsViolatedBy(long bytes, TimeSpan elapsed) => elapsed > Grace && bytes < BytesPerSecond * elapsed.TotalSeconds;
}
