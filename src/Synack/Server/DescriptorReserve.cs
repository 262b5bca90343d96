using Synack.Transport;

namespace Synack.Server;

/// <summary>
/// Keeps <see cref="ServerOptions.DescriptorReserve"/> descriptors free for the runtime and the close path by pausing
/// accept() before the soft limit, instead of accepting until EMFILE (issue 14: at the limit the runtime itself failed
/// to start a thread-pool thread, pipe2() → "Out of memory.", or to load an assembly on the close path, and aborted).
/// </summary>
/// <remarks>
/// <code>
///  accepting ──in use ≥ limit − reserve──► paused ──a connection of this server released, or 1 s passed──► check
///      ▲                                      (AcceptPaused; metric synack.accept.paused)             │
///      └──────── in use &lt; limit − reserve × 1.5 (AcceptResumed) ◄──────────────────────────────────────┘
/// </code>
/// Resuming only once half a reserve more is free keeps a server at the limit from pausing and resuming (and logging)
/// per connection as clients come and go.
/// While paused, new connections wait in the listen backlog (not accepted, not refused), as HAProxy pauses its listeners
/// when it runs out of descriptors and resumes them when a connection closes. "In use" is a lower bound read from the
/// number the kernel gives a new descriptor (<see cref="Descriptors.InUseAtLeast"/>); the periodic check covers
/// descriptors freed by anything other than this server's connections.
/// </remarks>
internal sealed class DescriptorReserve
{
    /// <summary>How often a paused server looks again even if none of its own connections closed.</summary>
    internal static readonly TimeSpan RecheckPeriod = TimeSpan.FromSeconds(1);

    private readonly int _reserve;
    private readonly TimeProvider _time;
    private readonly Action<long, long> _onPaused;
    private readonly Action<TimeSpan> _onResumed;
    private readonly Func<(long InUse, long Limit)> _measure;
    private TaskCompletionSource _released = NewSignal();
    private int _waiting;
    private long _pausedAt;

    /// <param name="reserve">Descriptors to keep free; at least 1.</param>
    /// <param name="time">The clock for the periodic check.</param>
    /// <param name="onPaused">Told (descriptors in use at least, soft limit) when the first accept loop pauses.</param>
    /// <param name="onResumed">Told how long accepting was paused when the last paused loop goes on.</param>
    /// <param name="measure">The descriptor count and limit; the process's own by default (a seam for unit tests).</param>
    public DescriptorReserve(int reserve, TimeProvider time, Action<long, long> onPaused, Action<TimeSpan> onResumed,
        Func<(long InUse, long Limit)>? measure = null)
    {
        _reserve = reserve;
        _time = time;
        _onPaused = onPaused;
        _onResumed = onResumed;
        _measure = measure ?? (static () => (Descriptors.InUseAtLeast(), Descriptors.SoftLimit()));
    }

    /// <summary>
    /// Returns once fewer than limit − reserve descriptors are in use (at once when the count or the limit is unknown),
    /// or false when <paramref name="stop"/> is cancelled first.
    /// </summary>
    public async ValueTask<bool> WaitForRoomAsync(CancellationToken stop)
    {
        Task released = Volatile.Read(ref _released).Task; // read before measuring: a release in between is not missed
        if (HasRoom(0, out long inUse, out long limit))
        {
            return true;
        }

        if (Interlocked.Increment(ref _waiting) == 1)
        {
            Volatile.Write(ref _pausedAt, _time.GetTimestamp());
            _onPaused(inUse, limit);
        }

        try
        {
            while (true)
            {
                using var recheck = CancellationTokenSource.CreateLinkedTokenSource(stop);
                Task period = Task.Delay(RecheckPeriod, _time, recheck.Token);
                await Task.WhenAny(released, period).ConfigureAwait(false);
                recheck.Cancel();
                if (stop.IsCancellationRequested)
                {
                    return false;
                }

                released = Volatile.Read(ref _released).Task;
                if (HasRoom(_reserve / 2, out _, out _))
                {
                    return true;
                }
            }
        }
        finally
        {
            if (Interlocked.Decrement(ref _waiting) == 0 && !stop.IsCancellationRequested)
            {
                _onResumed(_time.GetElapsedTime(Volatile.Read(ref _pausedAt)));
            }
        }
    }

    /// <summary>A connection of this server released its socket: a paused accept loop looks again at once.</summary>
    public void Released()
    {
        if (Volatile.Read(ref _waiting) != 0)
        {
            Interlocked.Exchange(ref _released, NewSignal()).TrySetResult();
        }
    }

    /// <summary>Room to accept: more than the reserve (plus <paramref name="hysteresis"/> to resume) is free.</summary>
    private bool HasRoom(int hysteresis, out long inUse, out long limit)
    {
        (inUse, limit) = _measure();
        return inUse < 0 || limit < 0 || inUse < limit - _reserve - hysteresis;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
