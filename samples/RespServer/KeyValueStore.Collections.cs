using System.Buffers;
using System.Runtime.InteropServices;

namespace RespServer;

/// <summary>The store's lists, sets and hashes (see <see cref="KeyValueStore"/> for the locking). A collection emptied
/// by a pop is deleted, as in Redis.</summary>
public sealed partial class KeyValueStore
{
    /// <summary>LPUSH, RPUSH, SADD, HSET: adds the remaining <paramref name="arguments"/> to the <typeparamref name="T"/>
    /// the key holds (made when missing); <paramref name="reply"/> is the command's integer reply.</summary>
    internal StoreStatus Fill<T>(ReadOnlySpan<byte> key, ref RespArguments arguments, bool atHead, out long reply)
        where T : class, IRespFillable, new()
    {
        reply = 0;
        Stripe stripe = StripeOf(key);
        using (stripe.Lock.EnterScope())
        {
            ref object? entry = ref CollectionsMarshal.GetValueRefOrAddDefault(stripe.Entries, key, out bool exists);
            if (!exists)
            {
                entry = new T();
            }

            if (entry is not T collection)
            {
                return StoreStatus.WrongType;
            }

            reply = collection.Add(ref arguments, atHead);
            return StoreStatus.Ok;
        }
    }

    /// <summary>LPOP, RPOP, SPOP: removes an element of the <typeparamref name="T"/> the key holds; null when the key is missing.</summary>
    internal StoreStatus Pop<T>(ReadOnlySpan<byte> key, bool atHead, out byte[]? element)
        where T : class, IRespPoppable
    {
        element = null;
        Stripe stripe = StripeOf(key);
        using (stripe.Lock.EnterScope())
        {
            if (!stripe.Entries.TryGetValue(key, out object? entry))
            {
                return StoreStatus.Ok;
            }

            if (entry is not T collection)
            {
                return StoreStatus.WrongType;
            }

            element = collection.Pop(atHead);
            if (collection.Count == 0)
            {
                stripe.Entries.Remove(key);
            }

            return StoreStatus.Ok;
        }
    }

    /// <summary>LRANGE: writes the elements from <paramref name="start"/> to <paramref name="stop"/> (inclusive; negative counts from the end) as an array.</summary>
    public StoreStatus Range(ReadOnlySpan<byte> key, long start, long stop, IBufferWriter<byte> reply)
    {
        Stripe stripe = StripeOf(key);
        using (stripe.Lock.EnterScope())
        {
            stripe.Entries.TryGetValue(key, out object? entry);
            if (entry is not (null or RespList))
            {
                return StoreStatus.WrongType;
            }

            var list = (RespList?)entry;
            int count = list?.Count ?? 0;
            long first = Math.Max(0, start < 0 ? count + start : start);
            long last = Math.Min(count - 1, stop < 0 ? count + stop : stop);
            RespReplies.ArrayHeader(reply, Math.Max(0, last - first + 1));
            for (long i = first; i <= last; i++)
            {
                RespReplies.Bulk(reply, list![(int)i]);
            }

            return StoreStatus.Ok;
        }
    }

    /// <summary>HGET: writes the field's value as a bulk string, or nil.</summary>
    public StoreStatus GetField(ReadOnlySpan<byte> key, ReadOnlySpan<byte> field, IBufferWriter<byte> reply)
    {
        Stripe stripe = StripeOf(key);
        using (stripe.Lock.EnterScope())
        {
            stripe.Entries.TryGetValue(key, out object? entry);
            if (entry is not (null or RespHash))
            {
                return StoreStatus.WrongType;
            }

            if (entry is RespHash hash && hash.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(field, out byte[]? value))
            {
                RespReplies.Bulk(reply, value);
            }
            else
            {
                RespReplies.Nil(reply);
            }

            return StoreStatus.Ok;
        }
    }
}
