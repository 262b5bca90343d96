using System.Threading.Tasks.Sources;

namespace Synack.Transport.Epoll;

/// <summary>
/// One direction's readiness for one socket: the epoll loop calls <see cref="Signal"/> on each edge, and a pump that saw
/// EAGAIN awaits the next edge with <see cref="WaitAsync"/>. An edge counter closes the classic race: a pump reads
/// <see cref="Sequence"/> before its syscall and waits for a change of it, so an edge that arrives between the syscall's
/// EAGAIN and the wait is never lost. The continuation runs inline on the thread that signals (the loop thread).
/// </summary>
internal sealed class ReadinessSignal : IValueTaskSource, IValueTaskSource<int>
{
    private ManualResetValueTaskSourceCore<bool> _core;
    private int _sequence;
    private bool _waiting;
    private bool _closed;

    /// <summary>The number of edges seen so far.</summary>
    public int Sequence => Volatile.Read(ref _sequence);

    /// <summary>Records an edge and wakes a waiting pump.</summary>
    public void Signal()
    {
        bool wake;
        lock (this)
        {
            _sequence++;
            wake = _waiting;
            _waiting = false;
        }

        if (wake)
        {
            _core.SetResult(true);
        }
    }

    /// <summary>Wakes a waiting pump for good: the socket was closed, its next syscall reports that.</summary>
    public void Close()
    {
        bool wake;
        lock (this)
        {
            _closed = true;
            wake = _waiting;
            _waiting = false;
        }

        if (wake)
        {
            _core.SetResult(false);
        }
    }

    /// <summary>Completes once an edge newer than <paramref name="seen"/> has arrived (at once if one already has), or on close.</summary>
    public ValueTask WaitAsync(int seen) => Arm(seen) ? new ValueTask(this, _core.Version) : default;

    /// <summary><see cref="WaitAsync"/> as a <see cref="ValueTask{TResult}"/> of 0, for a wait in place of a zero-byte read.</summary>
    public ValueTask<int> WaitForEdgeAsync(int seen) => Arm(seen) ? new ValueTask<int>(this, _core.Version) : default;

    /// <summary>False when an edge newer than <paramref name="seen"/> (or the close) already came; else arms the wait.</summary>
    private bool Arm(int seen)
    {
        lock (this)
        {
            if (_sequence != seen || _closed)
            {
                return false;
            }

            _core.Reset();
            _waiting = true;
            return true;
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    int IValueTaskSource<int>.GetResult(short token)
    {
        _core.GetResult(token);
        return 0;
    }

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
