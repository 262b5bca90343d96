namespace RespServer;

/// <summary>A string value: its bytes in one array, overwritten in place by a later SET when they fit.</summary>
internal sealed class StoredString(ReadOnlySpan<byte> value)
{
    private byte[] _data = value.ToArray();

    public int Length { get; private set; } = value.Length;

    public ReadOnlySpan<byte> Value => _data.AsSpan(0, Length);

    /// <summary>Replaces the value: in place when it fits and the array is not more than twice too big (so a key that
    /// once held 512 KiB does not keep it for a 3-byte value); otherwise in a new array of the exact size.</summary>
    public void Assign(ReadOnlySpan<byte> value)
    {
        if (value.Length > _data.Length || _data.Length > (2 * value.Length) + 64)
        {
            _data = new byte[value.Length];
        }

        value.CopyTo(_data);
        Length = value.Length;
    }
}
