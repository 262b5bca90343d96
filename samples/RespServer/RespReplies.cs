using System.Buffers;
using System.Buffers.Text;

namespace RespServer;

/// <summary>Writes RESP2 replies straight into the output buffer: no string, no formatting allocation.</summary>
internal static class RespReplies
{
    private const int MaxHeader = 24; // a type byte, a long's 20 digits, CRLF

    public static void Ok(IBufferWriter<byte> reply) => reply.Write("+OK\r\n"u8);

    public static void Nil(IBufferWriter<byte> reply) => reply.Write("$-1\r\n"u8);

    public static void Integer(IBufferWriter<byte> reply, long value) => Header(reply, (byte)':', value);

    public static void ArrayHeader(IBufferWriter<byte> reply, long count) => Header(reply, (byte)'*', count);

    public static void Bulk(IBufferWriter<byte> reply, ReadOnlySpan<byte> value)
    {
        Span<byte> span = reply.GetSpan(value.Length + MaxHeader + 2);
        int header = Header(span, (byte)'$', value.Length);
        value.CopyTo(span[header..]);
        "\r\n"u8.CopyTo(span[(header + value.Length)..]);
        reply.Advance(header + value.Length + 2);
    }

    public static void Error(IBufferWriter<byte> reply, ReadOnlySpan<byte> message)
    {
        reply.Write("-"u8);
        reply.Write(message);
        reply.Write("\r\n"u8);
    }

    /// <summary><c>-ERR unknown command 'NAME'</c>: the name as sent, at most 128 bytes, CR and LF made spaces (as Redis does) so the reply stays one line.</summary>
    public static void UnknownCommand(IBufferWriter<byte> reply, ReadOnlySpan<byte> name) => Quoted(reply, "-ERR unknown command '"u8, name, "'\r\n"u8, lower: false);

    /// <summary><c>-ERR wrong number of arguments for 'get' command</c>.</summary>
    public static void WrongArity(IBufferWriter<byte> reply, ReadOnlySpan<byte> name) => Quoted(reply, "-ERR wrong number of arguments for '"u8, name, "' command\r\n"u8, lower: true);

    public static void WrongType(IBufferWriter<byte> reply) => reply.Write("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"u8);

    public static void NotAnInteger(IBufferWriter<byte> reply) => reply.Write("-ERR value is not an integer or out of range\r\n"u8);

    private static void Quoted(IBufferWriter<byte> reply, ReadOnlySpan<byte> before, ReadOnlySpan<byte> name, ReadOnlySpan<byte> after, bool lower)
    {
        name = name[..Math.Min(name.Length, 128)];
        Span<byte> span = reply.GetSpan(before.Length + name.Length + after.Length);
        before.CopyTo(span);
        Span<byte> quoted = span.Slice(before.Length, name.Length);
        for (int i = 0; i < name.Length; i++)
        {
            byte b = name[i];
            quoted[i] = b is (byte)'\r' or (byte)'\n' ? (byte)' ' : lower && b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
        }

        after.CopyTo(span[(before.Length + name.Length)..]);
        reply.Advance(before.Length + name.Length + after.Length);
    }

    private static void Header(IBufferWriter<byte> reply, byte type, long value) => reply.Advance(Header(reply.GetSpan(MaxHeader), type, value));

    private static int Header(Span<byte> span, byte type, long value)
    {
        span[0] = type;
        Utf8Formatter.TryFormat(value, span[1..], out int digits);
        span[1 + digits] = (byte)'\r';
        span[2 + digits] = (byte)'\n';
        return digits + 3;
    }
}
