namespace Synack.Transport.Epoll;

/// <summary>
/// The inline engine's one lock per connection (its registration's monitor), taken so that a loop thread never waits
/// for another connection's lock: a thread inside a handler that acts on a busy connection hands the work to the
/// thread pool instead (two handlers doing that to each other would otherwise deadlock their loop threads).
/// </summary>
internal sealed partial class InlineEngine
{
    /// <summary>
    /// Takes this connection's lock. A thread that already holds another connection's lock (a handler acting on a
    /// different connection: closing it, aborting it) never waits for this one, since two handlers doing that to each
    /// other would deadlock their loop threads: it gets false and must hand the work to the thread pool instead.
    /// </summary>
    private bool TryEnterGate()
    {
        object gate = InlineGate;
        if (t_locksHeld > 0 && !Monitor.IsEntered(gate))
        {
            if (!Monitor.TryEnter(gate))
            {
                return false;
            }
        }
        else
        {
            Monitor.Enter(gate);
        }

        t_locksHeld++;
        return true;
    }

    private void ExitGate()
    {
        t_locksHeld--;
        Monitor.Exit(InlineGate);
    }

    /// <summary>Runs <paramref name="action"/> under the lock: now if <see cref="TryEnterGate"/> allows, else on the thread pool.</summary>
    private void UnderGate(Action<InlineEngine> action)
    {
        if (!TryEnterGate())
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Engine.UnderGate(s.Action), (Engine: this, Action: action), preferLocal: false);
            return;
        }

        try
        {
            action(this);
        }
        finally
        {
            ExitGate();
        }
    }
}
