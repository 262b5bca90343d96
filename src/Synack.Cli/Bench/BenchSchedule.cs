using System.Diagnostics;

namespace Synack.Cli.Bench;

/// <summary>
/// The run's clock, in <see cref="Stopwatch"/> ticks, shared by every connection: nothing is measured and sending never
/// stops until <see cref="Begin"/> sets the window, once every connection is up.
/// </summary>
internal sealed class BenchSchedule
{
    private long _measureStart = long.MaxValue;
    private long _measureEnd = long.MaxValue;
    private long _sendUntil = long.MaxValue;

    public long MeasureStart => Volatile.Read(ref _measureStart);

    public long MeasureEnd => Volatile.Read(ref _measureEnd);

    /// <summary>After this, completed echoes are not answered: connections collect what is in flight and close.</summary>
    public long SendUntil => Volatile.Read(ref _sendUntil);

    /// <summary>Starts the warm-up now, then the measured window.</summary>
    public void Begin(TimeSpan warmup, TimeSpan duration)
    {
        long start = Stopwatch.GetTimestamp();
        long measureStart = start + Ticks(warmup);
        long measureEnd = measureStart + Ticks(duration);
        Volatile.Write(ref _measureEnd, measureEnd);
        Volatile.Write(ref _sendUntil, measureEnd);
        Volatile.Write(ref _measureStart, measureStart); // last: a reader that sees the start sees the end too
    }

    public static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
