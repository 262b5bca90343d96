using System.Buffers;
using System.Text;
using Synack.Connections;
using Synack.Errors;
using Synack.Server;

namespace Chat;

/// <summary>
/// The chat protocol, one line per message (LF or CRLF, UTF-8, up to 1 KiB): a plain line goes to everyone else as
/// <c>&lt;nick&gt; text</c>; <c>/nick NAME</c> renames, <c>/who</c> lists who is here, <c>/quit</c> leaves. Arrivals,
/// renames and departures are announced with a leading <c>*</c>. One instance serves every connection (an
/// <see cref="IInlineHandler"/>: on epoll it runs on the loop thread, so it never waits: broadcasts go through the
/// room's queue).
/// </summary>
internal sealed class ChatHandler(ChatRoom room) : IInlineHandler
{
    /// <summary>The longest line accepted; a longer one is a protocol error (RST), as any untrusted length has a cap.</summary>
    public const int MaxLineBytes = 1024;

    public void OnConnected(Connection connection, IBufferWriter<byte> output)
    {
        string nick = room.Join(connection);
        Reply(output, $"* welcome, {nick}: /nick NAME to rename, /who to list, /quit to leave");
        room.Say($"* {nick} joined", except: connection);
    }

    public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        var reader = new SequenceReader<byte>(input);
        while (reader.TryReadTo(out ReadOnlySequence<byte> raw, (byte)'\n'))
        {
            if (raw.Length > MaxLineBytes)
            {
                throw TooLong(connection);
            }

            string line = Encoding.UTF8.GetString(raw).TrimEnd('\r');
            if (!Handle(connection, line, output))
            {
                return reader.Consumed; // /quit: what follows is not read
            }
        }

        if (reader.Remaining > MaxLineBytes)
        {
            throw TooLong(connection);
        }

        return reader.Consumed;
    }

    /// <summary>Whatever ended the connection (the peer left, reset, was too slow, the server stops): the room forgets it.</summary>
    public void OnClosed(Connection connection, CloseReason reason)
    {
        string nick = room.Leave(connection);
        room.Say(reason == CloseReason.LimitExceeded ? $"* {nick} left (too slow to keep up)" : $"* {nick} left");
    }

    /// <summary>One line; false after /quit.</summary>
    private bool Handle(Connection connection, string line, IBufferWriter<byte> output)
    {
        if (line.Length == 0)
        {
            return true;
        }

        if (line[0] != '/')
        {
            if (!room.Say($"<{ChatRoom.NickOf(connection)}> {line}", except: connection))
            {
                Reply(output, "* the room is busy: your message was dropped");
            }

            return true;
        }

        string[] words = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        switch (words[0])
        {
            case "/nick" when words.Length == 2 && IsNick(words[1]):
                if (room.TryRename(connection, words[1], out string old))
                {
                    room.Say($"* {old} is now {words[1]}");
                }
                else
                {
                    Reply(output, $"* {words[1]} is taken");
                }

                return true;
            case "/nick":
                Reply(output, "* a nickname is 1 to 24 letters, digits, - or _");
                return true;
            case "/who":
                Reply(output, $"* here: {string.Join(", ", room.Who())}");
                return true;
            case "/quit":
                Reply(output, "* bye");
                _ = connection.CloseAsync(); // the reply goes out before the FIN
                return false;
            default:
                Reply(output, $"* unknown command {words[0]}");
                return true;
        }
    }

    private static bool IsNick(string nick) =>
        nick.Length is >= 1 and <= 24 && nick.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static void Reply(IBufferWriter<byte> output, string line)
    {
        output.Write(Encoding.UTF8.GetBytes(line + "\n"));
    }

    private static SynackException TooLong(Connection connection) =>
        new(ErrorKind.LimitExceeded, "read", $"a chat line is at most {MaxLineBytes} bytes", connection.LocalEndPoint, connection.RemoteEndPoint);
}
