namespace Synack.Transport.Epoll;

/// <summary>
/// One thread's buffers for inline handlers: the read buffer every recv() on the thread fills, and the output every
/// handler call on it writes into. Per thread rather than per connection, so an idle connection holds neither; an
/// epoll loop thread serves one connection at a time, so one pair is enough (as the C yardstick's one buffer per loop).
/// </summary>
internal sealed class InlineBuffers
{
    /// <summary>64 KiB, as the C yardstick reads: bulk transfers move in large batches.</summary>
    public const int ReadSize = 64 * 1024;

    [ThreadStatic]
    private static InlineBuffers? t_current;

    /// <summary>This thread's buffers, created on first use.</summary>
    public static InlineBuffers Current => t_current ??= new InlineBuffers();

    /// <summary>The read buffer.</summary>
    public byte[] Read { get; } = GC.AllocateUninitializedArray<byte>(ReadSize);

    /// <summary>The handler output, empty between calls.</summary>
    public InlineOutput Output { get; } = new();
}
