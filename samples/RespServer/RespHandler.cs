using System.Buffers;
using System.Text;
using Synack.Connections;
using Synack.Errors;
using Synack.Server;

namespace RespServer;

/// <summary>
/// Serves every connection: PING [message], ECHO message, SET key value, GET key, DEL key [key ...], QUIT. Replies are
/// RESP2: <c>+OK</c>, <c>$5 hello</c>, <c>$-1</c> (nil), <c>:1</c>, <c>-ERR ...</c>. An inline handler: it answers each
/// batch of pipelined commands, in order, from the bytes just read (on the epoll transport, on the loop thread, with no
/// pipe or task per command); a command cut by a segment boundary stays unconsumed until the rest arrives.
/// </summary>
public sealed class RespHandler(KeyValueStore store) : IInlineHandler
{
    private readonly RespCommandCodec _codec = new();

    /// <inheritdoc/>
    public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        var reader = new SequenceReader<byte>(input);
        long consumed = 0;
        while (_codec.TryDecode(ref reader, out byte[][] command))
        {
            consumed = reader.Consumed;
            if (Execute(command, output))
            {
                _ = connection.CloseAsync(); // QUIT: +OK goes out first, then FIN
                return consumed;
            }
        }

        if (input.Length - consumed > _codec.MaxFrameLength)
        {
            // The codec checks lengths it has read; this bounds a command whose header has not even ended yet.
            throw SynackException.Limit($"a command of more than {_codec.MaxFrameLength} bytes");
        }

        return consumed;
    }

    private bool Execute(byte[][] command, IBufferWriter<byte> reply)
    {
        if (command.Length == 0)
        {
            return false; // an empty inline line: Redis ignores it too
        }

        string name = Encoding.ASCII.GetString(command[0]).ToUpperInvariant();
        switch (name, command.Length)
        {
            case ("PING", 1):
                Simple(reply, "PONG");
                break;
            case ("PING", 2) or ("ECHO", 2):
                Bulk(reply, command[1]);
                break;
            case ("SET", 3):
                store.Set(command[1], command[2]);
                Simple(reply, "OK");
                break;
            case ("GET", 2):
                Bulk(reply, store.Get(command[1]));
                break;
            case ("DEL", > 1):
                Integer(reply, command.Skip(1).Count(store.Delete));
                break;
            case ("QUIT", 1):
                Simple(reply, "OK");
                return true;
            case ("PING" or "ECHO" or "SET" or "GET" or "DEL" or "QUIT", _):
                Error(reply, $"ERR wrong number of arguments for '{name.ToLowerInvariant()}' command");
                break;
            default:
                Error(reply, $"ERR unknown command '{Encoding.ASCII.GetString(command[0])}'");
                break;
        }

        return false;
    }

    private static void Simple(IBufferWriter<byte> reply, string text) => Write(reply, $"+{text}\r\n");

    private static void Error(IBufferWriter<byte> reply, string text) => Write(reply, $"-{text}\r\n");

    private static void Integer(IBufferWriter<byte> reply, long value) => Write(reply, $":{value}\r\n");

    private static void Bulk(IBufferWriter<byte> reply, byte[]? value)
    {
        if (value is null)
        {
            Write(reply, "$-1\r\n");
            return;
        }

        Write(reply, $"${value.Length}\r\n");
        reply.Write(value);
        Write(reply, "\r\n");
    }

    private static void Write(IBufferWriter<byte> reply, string ascii) => reply.Write(Encoding.ASCII.GetBytes(ascii));
}
