namespace RespServer;

/// <summary>A list value (LPUSH, RPUSH, LPOP, RPOP, LRANGE): a double-ended ring of elements, O(1) at both ends.</summary>
internal sealed class RespList : IRespFillable, IRespPoppable
{
    private byte[][] _items = new byte[4][];
    private int _head;

    public int Count { get; private set; }

    /// <summary>The element <paramref name="index"/> places from the head (0 ≤ index &lt; <see cref="Count"/>).</summary>
    public byte[] this[int index] => _items[(_head + index) & (_items.Length - 1)];

    /// <summary>LPUSH / RPUSH: each element in turn; the new length.</summary>
    public long Add(ref RespArguments arguments, bool atHead)
    {
        while (arguments.TryNext(out ReadOnlySpan<byte> element))
        {
            if (atHead)
            {
                PushLeft(element.ToArray());
            }
            else
            {
                PushRight(element.ToArray());
            }
        }

        return Count;
    }

    public void PushLeft(byte[] element)
    {
        Grow();
        _head = (_head - 1) & (_items.Length - 1);
        _items[_head] = element;
        Count++;
    }

    public void PushRight(byte[] element)
    {
        Grow();
        _items[(_head + Count) & (_items.Length - 1)] = element;
        Count++;
    }

    /// <summary>Removes and returns the first (or last) element; the list must not be empty.</summary>
    public byte[] Pop(bool atHead)
    {
        int at = atHead ? _head : (_head + Count - 1) & (_items.Length - 1);
        byte[] element = _items[at];
        _items[at] = null!;
        _head = atHead ? (_head + 1) & (_items.Length - 1) : _head;
        Count--;
        return element;
    }

    private void Grow()
    {
        if (Count < _items.Length)
        {
            return;
        }

        var bigger = new byte[_items.Length * 2][]; // a power of two, so an index wraps with a mask
        for (int i = 0; i < Count; i++)
        {
            bigger[i] = this[i];
        }

        _items = bigger;
        _head = 0;
    }
}
