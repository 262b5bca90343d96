using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;

namespace RespServer;

/// <summary>What a store operation found: done, a key of another type (WRONGTYPE), or a value that is not an integer.</summary>
public enum StoreStatus
{
    /// <summary>Done (a missing key counts as empty, as in Redis).</summary>
    Ok,

    /// <summary>The key holds another kind of value.</summary>
    WrongType,

    /// <summary>INCR on a value that is not a 64-bit integer, or would overflow.</summary>
    NotAnInteger,
}

/// <summary>
/// The data, shared by every connection on every loop thread: binary-safe keys, each holding a string
/// (<see cref="StoredString"/>), a list (<see cref="RespList"/>), a set (<see cref="RespSet"/>) or a hash.
/// </summary>
/// <remarks>
/// <para>Keys are looked up by the span of the command's bytes (<see cref="ByteKeyComparer"/>, an alternate lookup):
/// nothing is copied to find a key, and a SET of an existing key overwrites its value's array in place when it fits,
/// so SET, like GET, allocates nothing once the keyspace exists. The old store copied each key and value out of the
/// input and again into a string key, per SET; at <c>redis-benchmark -P 16</c> SET ran at 0.35–0.46× redis-server
/// while GET ran at 0.79–1.1× (bench/resp.sh, issue 16).</para>
/// <para>Locking: 64 stripes, each a plain <see cref="Dictionary{TKey, TValue}"/> under its own <see cref="Lock"/>,
/// the stripe chosen by the key's hash. One lock would serialize every loop thread; a
/// <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey, TValue}"/> reads without locking, but values
/// overwritten in place (and lists, sets, hashes changed in place) need a lock around the read of the value anyway, so
/// it would cost two synchronisations where one stripe lock costs one uncontended compare-and-swap. With one loop per
/// core (2 here) two loops meet on the same stripe once in 64 operations, and then wait only for a copy of one value.
/// Replies that read a value (GET, LRANGE, HGET) are written while the stripe is held, so they never see a value half
/// overwritten. Each command is atomic on its key; MSET sets its pairs one at a time (unlike Redis, a concurrent
/// reader may see some of them set before the others).</para>
/// </remarks>
public sealed partial class KeyValueStore
{
    private const int StripeBits = 6;
    private readonly Stripe[] _stripes = Enumerable.Range(0, 1 << StripeBits).Select(_ => new Stripe()).ToArray();

    /// <summary>SET: the key now holds <paramref name="value"/>, whatever it held before.</summary>
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        Stripe stripe = StripeOf(key);
        using (stripe.Lock.EnterScope())
        {
            ref object? entry = ref CollectionsMarshal.GetValueRefOrAddDefault(stripe.Entries, key, out _);
            if (entry is StoredString stored)
            {
                stored.Assign(value);
            }
            else
            {
                entry = new StoredString(value);
            }
        }
    }

    /// <summary>GET: writes the value as a bulk string to <paramref name="reply"/>, or nil when the key is missing.</summary>
    public StoreStatus Get(ReadOnlySpan<byte> key, IBufferWriter<byte> reply)
    {
        Stripe stripe = StripeOf(key);
        using (stripe.Lock.EnterScope())
        {
            if (!stripe.Entries.TryGetValue(key, out object? entry))
            {
                RespReplies.Nil(reply);
                return StoreStatus.Ok;
            }

            if (entry is not StoredString stored)
            {
                return StoreStatus.WrongType;
            }

            RespReplies.Bulk(reply, stored.Value);
            return StoreStatus.Ok;
        }
    }

    /// <summary>DEL (one key): true when it existed.</summary>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        Stripe stripe = StripeOf(key);
        using (stripe.Lock.EnterScope())
        {
            return stripe.Entries.Remove(key);
        }
    }

    /// <summary>INCR: adds 1 to the integer the key holds (0 when missing) and gives the result.</summary>
    public StoreStatus Increment(ReadOnlySpan<byte> key, out long value)
    {
        value = 0;
        Stripe stripe = StripeOf(key);
        using (stripe.Lock.EnterScope())
        {
            ref object? entry = ref CollectionsMarshal.GetValueRefOrAddDefault(stripe.Entries, key, out bool exists);
            if (exists && entry is not StoredString)
            {
                return StoreStatus.WrongType;
            }

            var stored = entry as StoredString;
            if (stored is not null && !(Utf8Parser.TryParse(stored.Value, out value, out int used) && used == stored.Length && value < long.MaxValue))
            {
                return StoreStatus.NotAnInteger;
            }

            Span<byte> digits = stackalloc byte[20];
            Utf8Formatter.TryFormat(++value, digits, out int length);
            if (stored is null)
            {
                entry = new StoredString(digits[..length]);
            }
            else
            {
                stored.Assign(digits[..length]);
            }

            return StoreStatus.Ok;
        }
    }

    private Stripe StripeOf(ReadOnlySpan<byte> key) => _stripes[(uint)ByteKeyComparer.Hash(key) >> (32 - StripeBits)];

    /// <summary>One lock and the keys whose hash picks it. The top bits of the hash pick the stripe; the dictionary
    /// uses the hash modulo its size, so the keys of one stripe still spread over its buckets.</summary>
    private sealed class Stripe
    {
        public readonly Lock Lock = new();
        private readonly Dictionary<byte[], object> _entries = new(ByteKeyComparer.Instance);

        public Stripe() => Entries = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();

        /// <summary>The keys, looked up by span.</summary>
        public Dictionary<byte[], object>.AlternateLookup<ReadOnlySpan<byte>> Entries { get; }
    }
}
