using System.Diagnostics;
using Synack.Diagnostics;

namespace Synack.Transport.Epoll;

/// <summary>
/// Watches every epoll loop for stalls (issue 12): each loop stamps when it starts handling a batch of events and clears
/// the stamp when it goes back to epoll_wait; one timer for the process looks four times per
/// <see cref="EventLoopDiagnostics.StallThreshold"/> and reports a batch that has run past the threshold, once, with
/// the connection it was on. Costs the loop two stores and a clock read per epoll_wait, nothing per message.
/// </summary>
internal static class LoopWatchdog
{
    private static readonly List<EpollLoop> Loops = new();
    private static ITimer? s_timer;

    /// <summary>Starts watching <paramref name="loop"/> (and the timer, with the first loop).</summary>
    public static void Watch(EpollLoop loop)
    {
        lock (Loops)
        {
            Loops.Add(loop);
            s_timer ??= TimeProvider.System.CreateTimer(static _ => Check(), null, Period(), Period());
        }
    }

    private static TimeSpan Period() => EventLoopDiagnostics.StallThreshold / 4;

    private static void Check()
    {
        EpollLoop[] loops;
        lock (Loops)
        {
            loops = Loops.ToArray();
            s_timer?.Change(Period(), Period()); // follows a changed threshold
        }

        long now = Stopwatch.GetTimestamp();
        long threshold = (long)(EventLoopDiagnostics.StallThreshold.TotalSeconds * Stopwatch.Frequency);
        foreach (EpollLoop loop in loops)
        {
            long since = loop.BusySince;
            long busy = since == 0 ? 0 : now - since;
            EventLoopDiagnostics.RecordLag(loop.Name, busy);
            if (busy > threshold && loop.TryClaimStall(since))
            {
                EventLoopDiagnostics.ReportStall(loop.Name, busy, loop.Current?.Describe());
            }
        }
    }
}
