using System.Buffers;

namespace Synack.Transport.Epoll;

/// <summary>A growable output buffer, reset after each send; shrinks back after an unusually large reply.</summary>
internal sealed class InlineOutput : IBufferWriter<byte>
{
    private const int InitialSize = 64 * 1024;
    private byte[] _buffer = GC.AllocateUninitializedArray<byte>(InitialSize);
    private int _written;

    /// <summary>What was written since the last <see cref="Reset"/>.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _written);

    /// <summary>True when nothing was written.</summary>
    public bool IsEmpty => _written == 0;

    /// <summary>Forgets what was written (after it was sent or queued).</summary>
    public void Reset()
    {
        _written = 0;
        if (_buffer.Length > 16 * InitialSize)
        {
            _buffer = GC.AllocateUninitializedArray<byte>(InitialSize);
        }
    }

    /// <inheritdoc/>
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count), "advanced past the buffer that was handed out");
        }

        _written += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint); // first: it may replace the buffer
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Makes room for at least <paramref name="sizeHint"/> bytes (at least one), growing the buffer if needed.</summary>
    private void Reserve(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written < needed)
        {
            int size = (int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_written + needed));
            byte[] larger = GC.AllocateUninitializedArray<byte>(size);
            _buffer.AsSpan(0, _written).CopyTo(larger);
            _buffer = larger;
        }
    }
}
