using System.Buffers;
using System.Text;
using Synack.Connections;
using Synack.Framing;
using Synack.Hosting;

namespace RespServer;

/// <summary>
/// Serves one connection: PING [message], ECHO message, SET key value, GET key, DEL key [key ...], QUIT. Replies are
/// RESP2: <c>+OK</c>, <c>$5 hello</c>, <c>$-1</c> (nil), <c>:1</c>, <c>-ERR ...</c>. Pipelined commands are answered in order.
/// </summary>
public sealed class RespHandler(KeyValueStore store) : ITcpConnectionHandler
{
    /// <inheritdoc/>
    public async Task OnConnectedAsync(Connection connection)
    {
        var commands = new FrameReader<byte[][]>(connection, new RespCommandCodec());
        var reply = new ArrayBufferWriter<byte>();
        while (await commands.ReadAsync(connection.StopRequested).ConfigureAwait(false))
        {
            byte[][] command = commands.Current;
            reply.ResetWrittenCount();
            bool quit = Execute(command, reply);
            await connection.SendAsync(reply.WrittenMemory).ConfigureAwait(false);
            if (quit)
            {
                return;
            }
        }
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
