namespace Synack.Testing.Proxy.Faults;

/// <summary>Per-connection count of bytes passed, for faults that act after N bytes.</summary>
internal sealed class ByteBudget
{
    public long Passed;

    /// <summary>Passes the part of <paramref name="chunk"/> that fits under <paramref name="limit"/>; true when the limit is reached.</summary>
    public async ValueTask<bool> PassAsync(ReadOnlyMemory<byte> chunk, long limit, Func<ReadOnlyMemory<byte>, ValueTask> next)
    {
        int allowed = (int)Math.Clamp(limit - Passed, 0, chunk.Length);
        if (allowed > 0)
        {
            Passed += allowed;
            await next(chunk[..allowed]).ConfigureAwait(false);
        }

        return Passed >= limit;
    }
}
