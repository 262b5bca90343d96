namespace Synack.Testing.Proxy.Faults;

/// <summary>
/// <c>black-hole</c> (toxiproxy's "timeout"): nothing gets through, not even the FIN; after <see cref="CloseAfter"/> the
/// connection is closed, or never when it is zero. The sender's TCP still sees its bytes acknowledged (by the proxy):
/// only application-level timeouts can notice.
/// </summary>
public sealed class BlackHoleFault(TimeSpan closeAfter = default) : Fault
{
    /// <summary>When to close the connection; zero keeps it open forever.</summary>
    public TimeSpan CloseAfter { get; } = closeAfter;

    /// <inheritdoc/>
    public override void OnOpen(FaultLink link)
    {
        if (CloseAfter > TimeSpan.Zero)
        {
            ITimer timer = link.Time.CreateTimer(_ => link.Close(), null, CloseAfter, Timeout.InfiniteTimeSpan);
            link.Ended.Register(() => timer.Dispose());
        }
    }

    /// <inheritdoc/>
    public override ValueTask OnChunkAsync(ReadOnlyMemory<byte> chunk, FaultLink link, Func<ReadOnlyMemory<byte>, ValueTask> next) =>
        ValueTask.CompletedTask;

    /// <inheritdoc/>
    public override ValueTask OnEndAsync(FaultLink link, Func<ValueTask> next) => ValueTask.CompletedTask;
}
