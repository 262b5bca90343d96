namespace Synack.Client;

/// <summary>
/// Exponential backoff with jitter for reconnects: the n-th wait is min(initial × multiplier^n, max) ± jitter.
/// Defaults follow gRPC's connection backoff: 1 s × 1.6 ± 20 %, at most 120 s; <see cref="Reset"/> after a success.
/// Not thread-safe: one reconnect loop owns it.
/// </summary>
public sealed class Backoff
{
    private readonly Random _random;
    private TimeSpan _next;

    /// <summary>Creates a backoff; throws <see cref="ArgumentOutOfRangeException"/> for values outside the documented ranges.</summary>
    /// <param name="initial">First wait: 1 ms – 1 h. Default 1 s.</param>
    /// <param name="multiplier">Growth per attempt: 1 – 10. Default 1.6.</param>
    /// <param name="jitter">Random spread as a fraction of the wait: 0 – 1. Default 0.2 (± 20 %).</param>
    /// <param name="max">Longest wait before jitter: at least <paramref name="initial"/>, at most 24 h. Default 120 s.</param>
    /// <param name="random">Randomness for the jitter (seed it in tests). Default <see cref="Random.Shared"/>.</param>
    public Backoff(TimeSpan? initial = null, double multiplier = 1.6, double jitter = 0.2, TimeSpan? max = null, Random? random = null)
    {
        Initial = Check.Range(initial ?? TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
        Multiplier = Check.Range(multiplier, 1.0, 10.0);
        Jitter = Check.Range(jitter, 0.0, 1.0);
        Max = Check.Range(max ?? TimeSpan.FromSeconds(120), Initial, TimeSpan.FromHours(24));
        _random = random ?? Random.Shared;
        _next = Initial;
    }

    /// <summary>The first wait.</summary>
    public TimeSpan Initial { get; }

    /// <summary>How much each wait grows.</summary>
    public double Multiplier { get; }

    /// <summary>The random spread, as a fraction of the wait.</summary>
    public double Jitter { get; }

    /// <summary>The cap on a wait, before jitter.</summary>
    public TimeSpan Max { get; }

    /// <summary>The wait before the next attempt; each call grows the following one.</summary>
    public TimeSpan Next()
    {
        TimeSpan wait = _next;
        _next = TimeSpan.FromTicks((long)Math.Min(wait.Ticks * Multiplier, Max.Ticks));
        double spread = 1 + (Jitter * ((2 * _random.NextDouble()) - 1));
        return TimeSpan.FromTicks((long)(wait.Ticks * spread));
    }

    /// <summary>Starts over from <see cref="Initial"/> (call it once a connection succeeded).</summary>
    public void Reset() => _next = Initial;
}
