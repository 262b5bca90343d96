namespace Synack.Testing.Proxy.Faults;

/// <summary><c>slow-close</c>: delays passing on the sender's FIN by <see cref="Delay"/>.</summary>
public sealed class SlowCloseFault(TimeSpan delay) : Fault
{
    /// <summary>How long the FIN is held.</summary>
    public TimeSpan Delay { get; } = delay;

    /// <inheritdoc/>
    public override ValueTask OnChunkAsync(ReadOnlyMemory<byte> chunk, FaultLink link, Func<ReadOnlyMemory<byte>, ValueTask> next) => next(chunk);

    /// <inheritdoc/>
    public override async ValueTask OnEndAsync(FaultLink link, Func<ValueTask> next)
    {
        await Task.Delay(Delay, link.Time, link.Ended).ConfigureAwait(false);
        await next().ConfigureAwait(false);
    }
}
