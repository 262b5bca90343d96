namespace Synack.Connections;

/// <summary>
/// Server drain: a handler at a message boundary is idle; a drain ends idle handlers at once and the others at their next
/// boundary (the frame helpers return end-of-stream there).
/// </summary>
public sealed partial class Connection
{
    private int _idle;

    /// <summary>True while a frame helper waits for the first byte of the next frame (used by server drain).</summary>
    internal bool IsIdle => Volatile.Read(ref _idle) != 0;

    internal bool IsStopRequested => _stopRequested.IsCancellationRequested;

    /// <summary>Marks whether a frame helper is waiting at a frame boundary. Full fence: pairs with <see cref="RequestStop"/>.</summary>
    internal void SetIdle(bool idle) => Interlocked.Exchange(ref _idle, idle ? 1 : 0);

    /// <summary>
    /// Marks the connection idle at a message boundary unless a stop was already requested (then false). Full fence, then
    /// check: pairs with <see cref="RequestStop"/> (set flag, then check idle), so one of the two always sees the other.
    /// </summary>
    internal bool TryEnterIdle()
    {
        SetIdle(true);
        if (IsStopRequested)
        {
            SetIdle(false);
            return false;
        }

        return true;
    }

    /// <summary>Asks the handler to finish: signals <see cref="StopRequested"/> and wakes a helper that waits idle between frames.</summary>
    internal void RequestStop()
    {
        _stopRequested.Cancel();
        _engine.OnStopRequested(IsIdle);
    }
}
