namespace RespServer;

/// <summary>
/// Compares binary-safe keys by content, and lets a dictionary of <c>byte[]</c> keys be searched with a
/// <see cref="ReadOnlySpan{T}"/> of the bytes as they sit in the input (<c>GetAlternateLookup</c>): no key is copied
/// unless it is added.
/// </summary>
internal sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly ByteKeyComparer Instance = new();

    /// <summary>The runtime's per-process randomized hash, so keys chosen by a client cannot all collide (hash flooding).</summary>
    public static int Hash(ReadOnlySpan<byte> key)
    {
        var hash = default(HashCode);
        hash.AddBytes(key);
        return hash.ToHashCode();
    }

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => Hash(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
