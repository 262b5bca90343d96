using Synack.Connections;
using Synack.Diagnostics;
using Synack.Transport;

namespace Synack.Server;

/// <summary>
/// The server-wide budget for buffered bytes (<see cref="ServerOptions.MaxBufferedBytes"/>; issue 14, problem 2), after
/// Envoy's overload manager (stop reading, then shed, against a memory budget) and Redis's client-output-buffer-limit
/// (disconnect the clients with the largest buffers):
/// <code>
///  under ──total &gt; budget──► paused: the largest connections stop reading until the paused ones hold the excess over half
///    ▲                          │        the budget (their bytes wait in the kernel; TCP flow control slows those peers)
///    │                          ├─ heartbeat, total ≤ budget ─► resumed (all of them) ─► under
///    └──────────────────────────┴─ heartbeat ≥ 1 s later, still over ─► shed: abort the largest paused connections
///                                                                        (RST, LimitExceeded) until the total is under
///                                                                        the budget; pause more if that was not enough
/// </code>
/// The count is kept by the engines (one interlocked add per read, consume or send batch); crossing the budget schedules a
/// check on the thread pool at once (it may be crossed on an epoll loop thread, which must not walk the connections), and
/// the heartbeat checks again each second while any connection is paused.
/// </summary>
public sealed partial class SynackServer
{
    private readonly object _budgetGate = new();
    private readonly HashSet<Connection> _paused = new();
    private readonly BufferBudget? _budget;
    private long _overSince; // the timestamp of the first check that found the server over its budget (0: under)

    /// <summary>
    /// Raised when the buffer budget (<see cref="ServerOptions.MaxBufferedBytes"/>) pauses, resumes or sheds a connection,
    /// on a thread-pool thread: keep it short. Also counted by the metrics <c>synack.overload.paused</c> and
    /// <c>synack.overload.shed</c>. Synack.Hosting and <c>synack serve</c> log it.
    /// </summary>
    public event Action<BufferOverloadEvent>? BufferOverload;

    /// <summary>The bytes the server's connections hold now (input not consumed plus output not sent), or 0 without a budget.</summary>
    public long BufferedBytes => _budget?.Total ?? 0;

    /// <summary>The most bytes the server's connections held at once (0 without a budget).</summary>
    internal long PeakBufferedBytes => _budget?.Peak ?? 0;

    /// <summary>Made once: the budget every connection of this server reports to, or null for no budget.</summary>
    private BufferBudget? CreateBudget() => _options.MaxBufferedBytes == ServerOptions.UnlimitedBufferedBytes ? null
        : new BufferBudget(_options.MaxBufferedBytes, () => ThreadPool.UnsafeQueueUserWorkItem(static s => s.EnforceBudget(heartbeat: false), this, preferLocal: false));

    /// <summary>Pauses, resumes or sheds as the diagram says; <paramref name="heartbeat"/> is true on the once-a-second check.</summary>
    private void EnforceBudget(bool heartbeat)
    {
        if (_budget is not { } budget)
        {
            return;
        }

        List<BufferOverloadEvent>? events = null;
        lock (_budgetGate)
        {
            _paused.RemoveWhere(static c => c.Closed.IsCompleted);
            long total = budget.Total;
            if (total <= budget.Max)
            {
                if (heartbeat)
                {
                    foreach (Connection connection in _paused)
                    {
                        connection.PauseInput(false);
                        (events ??= new()).Add(new(BufferOverloadAction.Resumed, connection, connection.BufferedBytes, total, budget.Max));
                    }

                    _paused.Clear();
                    _overSince = 0;
                }

                budget.Rearm();
            }
            else
            {
                Connection[] largest = _connections.ToArray();
                Array.Sort(largest, static (a, b) => b.BufferedBytes.CompareTo(a.BufferedBytes));
                long now = _time.GetTimestamp();
                if (_overSince == 0)
                {
                    _overSince = now;
                }
                else if (heartbeat && _time.GetElapsedTime(_overSince, now) >= Connection.WatchdogPeriod)
                {
                    total = Shed(largest, total, budget.Max, ref events);
                }

                Pause(largest, total, budget.Max, ref events);
            }
        }

        if (events is not null)
        {
            foreach (BufferOverloadEvent e in events)
            {
                BufferOverload?.Invoke(e);
            }
        }
    }

    /// <summary>Pauses the largest connections until the paused ones hold what the server holds over half its budget.</summary>
    private void Pause(Connection[] largest, long total, long max, ref List<BufferOverloadEvent>? events)
    {
        long held = 0;
        foreach (Connection connection in largest)
        {
            long bytes = connection.BufferedBytes;
            if (held >= total - max / 2 || bytes == 0)
            {
                break;
            }

            held += bytes;
            if (connection.Closed.IsCompleted || !_paused.Add(connection))
            {
                continue;
            }

            connection.PauseInput(true);
            SynackMetrics.OverloadPaused();
            (events ??= new()).Add(new(BufferOverloadAction.Paused, connection, bytes, total, max));
        }
    }

    /// <summary>Aborts the largest paused connections until the total is under the budget; returns the total left.</summary>
    private long Shed(Connection[] largest, long total, long max, ref List<BufferOverloadEvent>? events)
    {
        foreach (Connection connection in largest)
        {
            long bytes = connection.BufferedBytes;
            if (total <= max || bytes == 0)
            {
                break;
            }

            if (connection.Closed.IsCompleted || !_paused.Contains(connection))
            {
                continue; // only a connection already paused is shed: pausing comes first (a heartbeat later, the rest)
            }

            total -= bytes;
            _paused.Remove(connection);
            connection.AbortCore(CloseReason.LimitExceeded);
            SynackMetrics.OverloadShed();
            (events ??= new()).Add(new(BufferOverloadAction.Shed, connection, bytes, total + bytes, max));
        }

        return total;
    }
}
