using System.Diagnostics;
using Synack.Diagnostics;

namespace Synack.Transport.Epoll;

/// <summary>
/// Watches every epoll loop for stalls (issue 12): each loop stamps when it starts handling a batch of events and clears
/// the stamp when it goes back to epoll_wait; one timer for the process looks four times per
/// <see cref="EventLoopDiagnostics.StallThreshold"/> and reports a batch that has run past the threshold, once, with
/// the connection it was on. Costs the loop two stores and a clock read per epoll_wait, nothing per message.
/// </summary>
/// <remarks>
/// It looks from a thread of its own that sleeps between looks, not from a thread-pool timer: each timer tick woke a
/// pool worker, which then spun in sched_yield waiting for more work, 40 times a second, on the cores the loops run on
/// (perf: the pool's workers took 3.7 % of an async echo server's samples on its pinned core; strace counted 13,263
/// sched_yield calls in 3 s under loadgen (b)).
/// </remarks>
internal static class LoopWatchdog
{
    private static readonly List<EpollLoop> Loops = new();
    private static Thread? s_thread;

    /// <summary>Starts watching <paramref name="loop"/> (and the timer, with the first loop).</summary>
    public static void Watch(EpollLoop loop)
    {
        lock (Loops)
        {
            Loops.Add(loop);
            if (s_thread is null)
            {
                s_thread = new Thread(static () =>
                {
                    while (true)
                    {
                        Thread.Sleep(Period()); // follows a changed threshold
                        Check();
                    }
                })
                { IsBackground = true, Name = "synack-watchdog" };
                s_thread.Start();
            }
        }
    }

    private static TimeSpan Period() => EventLoopDiagnostics.StallThreshold / 4;

    private static void Check()
    {
        EpollLoop[] loops;
        lock (Loops)
        {
            loops = Loops.ToArray();
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
