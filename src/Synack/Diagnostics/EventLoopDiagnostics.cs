using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Synack.Diagnostics;

/// <summary>A handler held an epoll loop thread past <see cref="EventLoopDiagnostics.StallThreshold"/>.</summary>
/// <param name="Loop">The loop thread's name (<c>synack-epoll-0</c>, ...).</param>
/// <param name="Duration">How long the loop had been busy when the stall was seen (it may go on longer).</param>
/// <param name="Connection">The connection whose edge the loop was handling (<c>#id local-&gt;remote</c>), if known.</param>
public sealed record LoopStall(string Loop, TimeSpan Duration, string? Connection);

/// <summary>A bug on an epoll loop thread: handling one connection's edge threw, and that connection was aborted.</summary>
/// <param name="Loop">The loop thread's name.</param>
/// <param name="Connection">The connection whose edge threw.</param>
/// <param name="Error">What was thrown.</param>
public sealed record LoopFault(string Loop, string? Connection, Exception Error);

/// <summary>
/// What the epoll loops report about themselves. Every connection on a loop waits while one handler holds it, so a handler
/// that blocks (a synchronous call, a lock, a long computation) on <see cref="Server.SynackTransport.Epoll"/> is seen at
/// once: logged by the hosting integration and <c>synack serve</c>, and counted (Node's event-loop-lag metric and Netty's
/// BlockHound are the precedent; issue 12).
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>synack.loop.stalls</c></term><description>counter: loop stalls, once per stall, tagged <c>synack.loop</c>.</description></item>
/// <item><term><c>synack.loop.lag</c></term><description>histogram (s): how long each loop had been busy, sampled four
/// times per threshold (0 when it waits in epoll_wait), tagged <c>synack.loop</c>.</description></item>
/// <item><term><c>synack.loop.faults</c></term><description>counter: edges whose handling threw (a bug), tagged <c>synack.loop</c>.</description></item>
/// </list>
/// The events run on the watchdog's thread (stalls) or the loop thread (faults): handlers must be quick and must not throw.
/// </remarks>
public static class EventLoopDiagnostics
{
    private static readonly Counter<long> Stalls = SynackMetrics.Meter.CreateCounter<long>("synack.loop.stalls", "{stall}", "Times a handler held an epoll loop thread past the stall threshold.");
    private static readonly Histogram<double> Lag = SynackMetrics.Meter.CreateHistogram<double>("synack.loop.lag", "s", "How long an epoll loop had been busy, sampled.");
    private static readonly Counter<long> Faults = SynackMetrics.Meter.CreateCounter<long>("synack.loop.faults", "{fault}", "Edges whose handling threw on an epoll loop thread.");
    private static TimeSpan s_threshold = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a loop may stay busy before it counts as stalled. Default 100 ms [Node's and libuv users' usual
    /// event-loop-lag alarm; a frame at 10 Hz]. 10 ms to 1 min; takes effect at the next check.
    /// </summary>
    public static TimeSpan StallThreshold
    {
        get => s_threshold;
        set => s_threshold = Check.Range(value, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1));
    }

    /// <summary>Raised once per stall, from the watchdog's thread (<c>synack-watchdog</c>).</summary>
    public static event Action<LoopStall>? Stalled;

    /// <summary>Raised when handling an edge threw on a loop thread, from that thread, before the connection is aborted.</summary>
    public static event Action<LoopFault>? Faulted;

    internal static void ReportStall(string loop, long busyTicks, string? connection)
    {
        var tag = new KeyValuePair<string, object?>("synack.loop", loop);
        Stalls.Add(1, tag);
        Raise(Stalled, new LoopStall(loop, Stopwatch.GetElapsedTime(0, busyTicks), connection));
    }

    internal static void RecordLag(string loop, long busyTicks) =>
        Lag.Record(busyTicks / (double)Stopwatch.Frequency, new KeyValuePair<string, object?>("synack.loop", loop));

    internal static void ReportFault(string loop, string? connection, Exception error)
    {
        Faults.Add(1, new KeyValuePair<string, object?>("synack.loop", loop));
        Raise(Faulted, new LoopFault(loop, connection, error));
    }

    private static void Raise<T>(Action<T>? handlers, T value)
    {
        try
        {
            handlers?.Invoke(value);
        }
        catch (Exception)
        {
            // A subscriber's bug must not take a loop or the watchdog timer with it.
        }
    }
}
