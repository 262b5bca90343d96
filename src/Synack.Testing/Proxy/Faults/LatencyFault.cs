namespace Synack.Testing.Proxy.Faults;

/// <summary><c>latency</c>: holds every chunk for a delay (± jitter) before passing it on.</summary>
public sealed class LatencyFault(TimeSpan delay, TimeSpan jitter = default) : Fault
{
    /// <summary>The base delay.</summary>
    public TimeSpan Delay { get; } = delay;

    /// <summary>The random spread around <see cref="Delay"/>.</summary>
    public TimeSpan Jitter { get; } = jitter;

    /// <inheritdoc/>
    public override async ValueTask OnChunkAsync(ReadOnlyMemory<byte> chunk, FaultLink link, Func<ReadOnlyMemory<byte>, ValueTask> next)
    {
        TimeSpan wait = Delay + (Jitter * ((2 * Random.Shared.NextDouble()) - 1));
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, link.Time, link.Ended).ConfigureAwait(false);
        }

        await next(chunk).ConfigureAwait(false);
    }
}
