namespace RespServer;

/// <summary>A set value (SADD, SPOP): the members in a list, indexed by content, so SPOP takes a random one in O(1)
/// (swapping the last member into its place).</summary>
internal sealed class RespSet : IRespFillable, IRespPoppable
{
    private readonly Dictionary<byte[], int> _positions = new(ByteKeyComparer.Instance);
    private readonly List<byte[]> _members = [];

    public int Count => _members.Count;

    /// <summary>SADD: how many of the members were new.</summary>
    public long Add(ref RespArguments arguments, bool atHead)
    {
        long added = 0;
        while (arguments.TryNext(out ReadOnlySpan<byte> member))
        {
            added += Add(member) ? 1 : 0;
        }

        return added;
    }

    /// <inheritdoc cref="IRespPoppable.Pop"/>
    public byte[] Pop(bool atHead) => PopRandom();

    /// <summary>Adds <paramref name="member"/>; false when it was there already.</summary>
    public bool Add(ReadOnlySpan<byte> member)
    {
        if (_positions.GetAlternateLookup<ReadOnlySpan<byte>>().ContainsKey(member))
        {
            return false;
        }

        byte[] added = member.ToArray();
        _positions.Add(added, _members.Count);
        _members.Add(added);
        return true;
    }

    /// <summary>Removes and returns a random member; the set must not be empty.</summary>
    public byte[] PopRandom()
    {
        int at = Random.Shared.Next(_members.Count);
        byte[] member = _members[at];
        byte[] last = _members[^1];
        _members[at] = last;
        _positions[last] = at;
        _members.RemoveAt(_members.Count - 1);
        _positions.Remove(member);
        return member;
    }
}
