using System.Buffers;
using System.Buffers.Text;
using Synack.Connections;
using Synack.Server;

namespace RespServer;

/// <summary>
/// Serves every connection with one shared <see cref="KeyValueStore"/>. Replies are RESP2: <c>+OK</c>, <c>$5 hello</c>,
/// <c>$-1</c> (nil), <c>:1</c>, <c>*2 ...</c>, <c>-ERR ...</c>, <c>-WRONGTYPE ...</c>.
/// </summary>
/// <remarks>
/// <para>Commands (those of <c>redis-benchmark</c>'s default suite that are cheap to keep, and the basics):
/// PING [message], ECHO message, SET key value (no options), GET key, DEL key [key ...], INCR key,
/// MSET key value [key value ...], LPUSH / RPUSH key element [element ...], LPOP / RPOP key (no count), LRANGE key start
/// stop, SADD key member [member ...], SPOP key (no count), HSET key field value [field value ...], HGET key field, QUIT.
/// Absent, answered <c>-ERR unknown command 'NAME'</c>: everything else, among them ZADD, ZPOPMIN, XADD (of that suite),
/// CONFIG, SELECT, EXPIRE, FLUSHALL, AUTH and HELLO (RESP3). No persistence, no expiry, one database.</para>
/// <para>An inline handler: it answers each batch of pipelined commands, in order, from the bytes just read (on the epoll
/// transport, on the loop thread, with no pipe or task per command); a command cut by a segment boundary stays
/// unconsumed until the rest arrives. Arguments are read in place (<see cref="RespArguments"/>) and replies written
/// straight into the output (<see cref="RespReplies"/>): SET and GET of existing keys allocate nothing
/// (<c>AThousandSetsAndGetsOfExistingKeysAllocateNothing</c>).</para>
/// </remarks>
public sealed class RespHandler(KeyValueStore store) : IInlineHandler
{
    /// <inheritdoc/>
    public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        if (input.IsSingleSegment)
        {
            return Serve(connection, input.FirstSpan, output); // always, on the epoll transport
        }

        // Pipes (the sockets transport, TLS, PROXY) may hand over several segments: parse a pooled contiguous copy. The
        // codec bounds every command (RespCommandCodec.MaxCommandLength), the connection what is left unconsumed.
        int length = (int)input.Length;
        byte[] copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            input.CopyTo(copy);
            return Serve(connection, copy.AsSpan(0, length), output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private int Serve(Connection connection, ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        int consumed = 0;
        while (RespCommandCodec.TryParse(input[consumed..], out int length, out int count, out bool inline))
        {
            var arguments = new RespArguments(input.Slice(consumed, length), inline);
            consumed += length;
            if (Execute(ref arguments, count, output))
            {
                _ = connection.CloseAsync(); // QUIT: +OK goes out first, then FIN
                break;
            }
        }

        return consumed;
    }

    /// <summary>Runs one command; true for QUIT.</summary>
    private bool Execute(ref RespArguments arguments, int count, IBufferWriter<byte> reply)
    {
        if (!arguments.TryNext(out ReadOnlySpan<byte> name))
        {
            return false; // an empty inline line: Redis ignores it too
        }

        RespCommandName command = RespCommandNames.Identify(name);
        if (command == RespCommandName.Unknown || !RespCommandNames.AcceptsArity(command, count))
        {
            if (command == RespCommandName.Unknown)
            {
                RespReplies.UnknownCommand(reply, name);
            }
            else
            {
                RespReplies.WrongArity(reply, name);
            }

            return false;
        }

        arguments.TryNext(out ReadOnlySpan<byte> key); // the first argument after the name, if any
        ReadOnlySpan<byte> value;
        StoreStatus status = StoreStatus.Ok;
        switch (command)
        {
            case RespCommandName.Ping when count == 1:
                reply.Write("+PONG\r\n"u8);
                break;
            case RespCommandName.Ping or RespCommandName.Echo:
                RespReplies.Bulk(reply, key);
                break;
            case RespCommandName.Set:
                arguments.TryNext(out value);
                store.Set(key, value);
                RespReplies.Ok(reply);
                break;
            case RespCommandName.MSet:
                for (bool more = arguments.TryNext(out value); more; more = arguments.TryNext(out key) && arguments.TryNext(out value))
                {
                    store.Set(key, value);
                }

                RespReplies.Ok(reply);
                break;
            case RespCommandName.Get:
                status = store.Get(key, reply);
                break;
            case RespCommandName.Del:
                long deleted = 0;
                for (bool more = true; more; more = arguments.TryNext(out key))
                {
                    deleted += store.Delete(key) ? 1 : 0;
                }

                RespReplies.Integer(reply, deleted);
                break;
            case RespCommandName.Incr:
                status = Integer(reply, store.Increment(key, out long incremented), incremented);
                break;
            case RespCommandName.LPush or RespCommandName.RPush:
                status = Integer(reply, store.Fill<RespList>(key, ref arguments, command == RespCommandName.LPush, out long length), length);
                break;
            case RespCommandName.LPop or RespCommandName.RPop:
                status = BulkOrNil(reply, store.Pop<RespList>(key, command == RespCommandName.LPop, out byte[]? element), element);
                break;
            case RespCommandName.LRange:
                arguments.TryNext(out ReadOnlySpan<byte> start);
                arguments.TryNext(out ReadOnlySpan<byte> stop);
                status = TryInteger(start, out long first) && TryInteger(stop, out long last) ? store.Range(key, first, last, reply) : StoreStatus.NotAnInteger;
                break;
            case RespCommandName.SAdd:
                status = Integer(reply, store.Fill<RespSet>(key, ref arguments, atHead: false, out long added), added);
                break;
            case RespCommandName.SPop:
                status = BulkOrNil(reply, store.Pop<RespSet>(key, atHead: false, out byte[]? member), member);
                break;
            case RespCommandName.HSet:
                status = Integer(reply, store.Fill<RespHash>(key, ref arguments, atHead: false, out long fields), fields);
                break;
            case RespCommandName.HGet:
                arguments.TryNext(out ReadOnlySpan<byte> field);
                status = store.GetField(key, field, reply);
                break;
            case RespCommandName.Quit:
                RespReplies.Ok(reply);
                return true;
        }

        if (status == StoreStatus.WrongType)
        {
            RespReplies.WrongType(reply);
        }
        else if (status == StoreStatus.NotAnInteger)
        {
            RespReplies.NotAnInteger(reply);
        }

        return false;
    }

    private static StoreStatus Integer(IBufferWriter<byte> reply, StoreStatus status, long value)
    {
        if (status == StoreStatus.Ok)
        {
            RespReplies.Integer(reply, value);
        }

        return status;
    }

    private static StoreStatus BulkOrNil(IBufferWriter<byte> reply, StoreStatus status, byte[]? value)
    {
        if (status == StoreStatus.Ok && value is null)
        {
            RespReplies.Nil(reply);
        }
        else if (status == StoreStatus.Ok)
        {
            RespReplies.Bulk(reply, value);
        }

        return status;
    }

    private static bool TryInteger(ReadOnlySpan<byte> text, out long value) => Utf8Parser.TryParse(text, out value, out int used) && used == text.Length;
}
