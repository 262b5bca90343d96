namespace Synack.Transport.Epoll;

/// <summary>
/// A set of <see cref="EpollLoop"/>s that connections are spread over, round-robin. The default group has one loop per
/// available core and starts on first use; a load generator makes its own, pinned to the cores its embedded server does
/// not use, so the two never fight over one core by accident (issue 13). Loops live as long as the process.
/// </summary>
internal sealed class EpollLoopGroup
{
    private static EpollLoopGroup? s_default;
    private readonly Lazy<EpollLoop[]> _loops;
    private int _next;

    /// <summary>A group of <paramref name="count"/> loops named <paramref name="name"/>-N, started on first use.</summary>
    /// <param name="name">The threads' name prefix.</param>
    /// <param name="count">How many loops (threads), at least 1.</param>
    /// <param name="cpus">The CPUs to pin loop i to (<c>cpus[i % cpus.Length]</c>), or empty to leave them unpinned.</param>
    public EpollLoopGroup(string name, int count, IReadOnlyList<int> cpus)
    {
        Check.Range(count, 1, 1024);
        Count = count;
        _loops = new Lazy<EpollLoop[]>(() => Enumerable.Range(0, count)
            .Select(i => new EpollLoop($"{name}-{i}", cpus.Count == 0 ? -1 : cpus[i % cpus.Count])).ToArray());
    }

    /// <summary>One loop per available core, unpinned: what servers and clients use unless told otherwise.</summary>
    public static EpollLoopGroup Default =>
        LazyInitializer.EnsureInitialized(ref s_default, static () => new EpollLoopGroup("synack-epoll", Environment.ProcessorCount, []));

    /// <summary>How many loops the group has.</summary>
    public int Count { get; }

    /// <summary>The next loop, round-robin; the loops start on the first call, exactly once.</summary>
    public EpollLoop Next()
    {
        EpollLoop[] loops = _loops.Value;
        return loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)loops.Length)];
    }
}
