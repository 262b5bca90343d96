namespace Synack.Testing.Proxy.Faults;

/// <summary><c>bandwidth</c>: passes at most <see cref="BytesPerSecond"/>, in slices of a tenth of a second.</summary>
public sealed class BandwidthFault(long bytesPerSecond) : Fault
{
    /// <summary>The rate limit.</summary>
    public long BytesPerSecond { get; } = bytesPerSecond > 0 ? bytesPerSecond : throw new ArgumentOutOfRangeException(nameof(bytesPerSecond));

    /// <inheritdoc/>
    public override async ValueTask OnChunkAsync(ReadOnlyMemory<byte> chunk, FaultLink link, Func<ReadOnlyMemory<byte>, ValueTask> next)
    {
        int slice = (int)Math.Max(1, Math.Min(chunk.Length, BytesPerSecond / 10));
        for (int at = 0; at < chunk.Length; at += slice)
        {
            ReadOnlyMemory<byte> piece = chunk.Slice(at, Math.Min(slice, chunk.Length - at));
            await next(piece).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(piece.Length / (double)BytesPerSecond), link.Time, link.Ended).ConfigureAwait(false);
        }
    }
}
