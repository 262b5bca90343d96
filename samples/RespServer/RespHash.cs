using System.Runtime.InteropServices;

namespace RespServer;

/// <summary>A hash value (HSET, HGET): fields and their values, binary-safe, looked up by span.</summary>
internal sealed class RespHash() : Dictionary<byte[], byte[]>(ByteKeyComparer.Instance), IRespFillable
{
    /// <summary>HSET: sets each field-value pair; how many fields were new.</summary>
    public long Add(ref RespArguments arguments, bool atHead)
    {
        long added = 0;
        var fields = GetAlternateLookup<ReadOnlySpan<byte>>();
        while (arguments.TryNext(out ReadOnlySpan<byte> field) && arguments.TryNext(out ReadOnlySpan<byte> value))
        {
            ref byte[]? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(fields, field, out bool exists);
            slot = value.ToArray();
            added += exists ? 0 : 1;
        }

        return added;
    }
}
