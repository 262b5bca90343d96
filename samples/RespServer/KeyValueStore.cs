using System.Collections.Concurrent;
using System.Text;

namespace RespServer;

/// <summary>The data: binary-safe keys and values, shared by every connection.</summary>
public sealed class KeyValueStore
{
    private readonly ConcurrentDictionary<string, byte[]> _values = new(StringComparer.Ordinal);

    public void Set(byte[] key, byte[] value) => _values[Key(key)] = value;

    public byte[]? Get(byte[] key) => _values.TryGetValue(Key(key), out byte[]? value) ? value : null;

    public bool Delete(byte[] key) => _values.TryRemove(Key(key), out _);

    // Latin-1 maps every byte to one char and back, so any byte sequence is a distinct key.
    private static string Key(byte[] key) => Encoding.Latin1.GetString(key);
}
