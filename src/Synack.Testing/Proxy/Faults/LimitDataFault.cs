namespace Synack.Testing.Proxy.Faults;

/// <summary><c>limit-data</c>: passes <see cref="Bytes"/> bytes, then closes the connection (FIN both ways).</summary>
public sealed class LimitDataFault(long bytes) : Fault
{
    /// <summary>Bytes passed before the close.</summary>
    public long Bytes { get; } = bytes >= 0 ? bytes : throw new ArgumentOutOfRangeException(nameof(bytes));

    /// <inheritdoc/>
    public override async ValueTask OnChunkAsync(ReadOnlyMemory<byte> chunk, FaultLink link, Func<ReadOnlyMemory<byte>, ValueTask> next)
    {
        if (await link.State<ByteBudget>(this).PassAsync(chunk, Bytes, next).ConfigureAwait(false))
        {
            link.Close();
        }
    }
}
