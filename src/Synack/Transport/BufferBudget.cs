namespace Synack.Transport;

/// <summary>
/// One server's count of buffered bytes across its connections (<see cref="Server.ServerOptions.MaxBufferedBytes"/>):
/// input received and not consumed plus output queued and not sent. Engines add what changed once per read, consume or
/// send batch (<see cref="ConnectionEngine"/>'s AccountInput/AccountOutput), never per byte; crossing the budget upwards
/// calls <c>overBudget</c> once, until <see cref="Rearm"/>.
/// </summary>
internal sealed class BufferBudget(long max, Action overBudget)
{
    private long _total;
    private long _peak;
    private int _signalled;

    /// <summary>The budget in bytes.</summary>
    public long Max => max;

    /// <summary>The bytes buffered now, across the server's connections.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>The most bytes buffered at once since the server started (the high-water mark tests and diagnostics read).</summary>
    public long Peak => Interlocked.Read(ref _peak);

    /// <summary>Adds <paramref name="delta"/> (negative when bytes were consumed or sent).</summary>
    public void Add(long delta)
    {
        long total = Interlocked.Add(ref _total, delta);
        if (delta <= 0)
        {
            return;
        }

        long peak;
        while (total > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, total, peak) != peak)
        {
        }

        if (total > max && Volatile.Read(ref _signalled) == 0 && Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            overBudget();
        }
    }

    /// <summary>Back under the budget: the next crossing signals again.</summary>
    public void Rearm() => Volatile.Write(ref _signalled, 0);
}
