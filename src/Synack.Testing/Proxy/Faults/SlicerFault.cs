namespace Synack.Testing.Proxy.Faults;

/// <summary>
/// <c>slicer</c>: cuts every chunk into pieces of <see cref="Size"/> bytes (down to 1), each sent on its own with an
/// optional pause between, so the receiver's reads see every possible segmentation.
/// </summary>
public sealed class SlicerFault(int size, TimeSpan delay = default) : Fault
{
    /// <summary>Bytes per piece.</summary>
    public int Size { get; } = size > 0 ? size : throw new ArgumentOutOfRangeException(nameof(size));

    /// <summary>Pause after each piece.</summary>
    public TimeSpan Delay { get; } = delay;

    /// <inheritdoc/>
    public override async ValueTask OnChunkAsync(ReadOnlyMemory<byte> chunk, FaultLink link, Func<ReadOnlyMemory<byte>, ValueTask> next)
    {
        for (int at = 0; at < chunk.Length; at += Size)
        {
            await next(chunk.Slice(at, Math.Min(Size, chunk.Length - at))).ConfigureAwait(false);
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, link.Time, link.Ended).ConfigureAwait(false);
            }
        }
    }
}
