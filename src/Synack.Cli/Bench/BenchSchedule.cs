using System.Diagnostics;

namespace Synack.Cli.Bench;

/// <summary>
/// The run's clock, in <see cref="Stopwatch"/> ticks, shared by every connection: nothing is measured and sending never
/// stops until <see cref="Begin"/> sets the window, once every connection is up. In open-loop mode (<c>--rate</c>) it
/// also says when each message was meant to be sent.
/// </summary>
internal sealed class BenchSchedule(int connections, double? rate)
{
    private long _start = long.MaxValue;
    private long _measureStart = long.MaxValue;
    private long _measureEnd = long.MaxValue;
    private long _sendUntil = long.MaxValue;

    /// <summary>Open loop: the ticks between two messages of one connection (each sends rate / connections per second).</summary>
    private readonly double _interval = rate is { } r ? Stopwatch.Frequency * connections / r : 0;

    /// <summary>True for open loop (<c>--rate</c>).</summary>
    public bool OpenLoop => rate is not null;

    public long MeasureStart => Volatile.Read(ref _measureStart);

    public long MeasureEnd => Volatile.Read(ref _measureEnd);

    /// <summary>After this, completed replies are not answered: connections collect what is in flight and close.</summary>
    public long SendUntil => Volatile.Read(ref _sendUntil);

    /// <summary>
    /// Open loop: when message <paramref name="seq"/> of connection <paramref name="connection"/> was meant to go out.
    /// Connections are phased evenly across one interval, so the total rate is smooth rather than bursty.
    /// </summary>
    public long Intended(int connection, long seq) =>
        Volatile.Read(ref _start) + (long)((seq + (double)connection / connections) * _interval);

    /// <summary>Starts the warm-up now, then the measured window.</summary>
    public void Begin(TimeSpan warmup, TimeSpan duration)
    {
        long start = Stopwatch.GetTimestamp();
        long measureStart = start + Ticks(warmup);
        long measureEnd = measureStart + Ticks(duration);
        Volatile.Write(ref _measureEnd, measureEnd);
        Volatile.Write(ref _sendUntil, measureEnd);
        Volatile.Write(ref _start, start);
        Volatile.Write(ref _measureStart, measureStart); // last: a reader that sees the start sees the rest too
    }

    public static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
