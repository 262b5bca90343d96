namespace Synack.Testing.Proxy.Faults;

/// <summary>
/// <c>reset-peer</c>: resets both sides (RST) after <see cref="AfterBytes"/> bytes have passed in this direction, or
/// <see cref="AfterTime"/> after the connection opened, whichever comes first (either may be omitted).
/// </summary>
public sealed class ResetPeerFault(long? afterBytes, TimeSpan? afterTime = null) : Fault
{
    /// <summary>Bytes passed before the reset, or null.</summary>
    public long? AfterBytes { get; } = afterBytes;

    /// <summary>Time after the connection opened before the reset, or null.</summary>
    public TimeSpan? AfterTime { get; } = afterTime;

    /// <inheritdoc/>
    public override void OnOpen(FaultLink link)
    {
        if (AfterTime is { } after)
        {
            ITimer timer = link.Time.CreateTimer(_ => link.Reset(), null, after, Timeout.InfiniteTimeSpan);
            link.Ended.Register(() => timer.Dispose());
        }
    }

    /// <inheritdoc/>
    public override async ValueTask OnChunkAsync(ReadOnlyMemory<byte> chunk, FaultLink link, Func<ReadOnlyMemory<byte>, ValueTask> next)
    {
        if (AfterBytes is not { } limit)
        {
            await next(chunk).ConfigureAwait(false);
            return;
        }

        if (await link.State<ByteBudget>(this).PassAsync(chunk, limit, next).ConfigureAwait(false))
        {
            link.Reset();
        }
    }
}
