using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Synack.Cli.Bench.Protocols;

/// <summary>
/// RESP (Redis): <c>PING</c> as a multi-bulk command by default (redis-benchmark's <c>ping_mbulk</c>), or <c>SET</c> /
/// <c>GET</c> of <c>key:NNNNNNNNNNNN</c> over a key space with a value of the chosen size (redis-benchmark's
/// <c>-t set,get -r N -d SIZE</c>). PING must answer <c>+PONG</c>, SET <c>+OK</c>, GET a bulk string (or nil for a key not
/// set yet); an error reply (<c>-ERR ...</c>) counts as "status", anything malformed as "protocol".
/// </summary>
internal sealed class RespProtocol(string command, int keySpace, int valueSize) : IBenchProtocol
{
    private readonly string _command = command;
    private readonly int _keySpace = keySpace;
    private readonly int _valueSize = valueSize;

    /// <summary>The commands it can send.</summary>
    public static readonly string[] Commands = ["ping", "set", "get"];

    public string Name => "resp";

    public IBenchConversation Start(int connection) => new Conversation(this, connection);

    private sealed class Conversation(RespProtocol protocol, int connection) : IBenchConversation
    {
        private readonly byte[] _value = Encoding.ASCII.GetBytes(new string('x', protocol._valueSize));

        public void WriteRequest(IBufferWriter<byte> output, long seq)
        {
            switch (protocol._command)
            {
                case "ping":
                    output.Write("*1\r\n$4\r\nPING\r\n"u8);
                    break;
                case "set":
                    output.Write("*3\r\n$3\r\nSET\r\n"u8);
                    WriteKey(output, seq);
                    output.Write(Encoding.ASCII.GetBytes($"${_value.Length}\r\n"));
                    output.Write(_value);
                    output.Write("\r\n"u8);
                    break;
                default:
                    output.Write("*2\r\n$3\r\nGET\r\n"u8);
                    WriteKey(output, seq);
                    break;
            }
        }

        /// <summary><c>$16\r\nkey:NNNNNNNNNNNN\r\n</c>: the key number is spread over the key space as redis-benchmark's <c>-r</c>.</summary>
        private void WriteKey(IBufferWriter<byte> output, long seq)
        {
            long key = (long)((ulong)((seq * 7919) + (connection * 104729L)) % (ulong)protocol._keySpace);
            Span<byte> span = output.GetSpan(23);
            "$16\r\nkey:"u8.CopyTo(span);
            key.TryFormat(span[9..21], out _, "D12", System.Globalization.CultureInfo.InvariantCulture);
            "\r\n"u8.CopyTo(span[21..]);
            output.Advance(23);
        }

        public OperationStatus TryReadReply(ref SequenceReader<byte> input, long seq, out string? failure)
        {
            failure = null;
            SequenceReader<byte> start = input;
            if (!input.TryRead(out byte type) || !input.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
            {
                input = start;
                return input.Remaining > 64 * 1024 ? Fail("protocol", out failure) : OperationStatus.NeedMoreData;
            }

            switch ((char)type)
            {
                case '+':
                    bool expected = protocol._command == "ping" ? line.FirstSpan.SequenceEqual("PONG"u8) || Equals(line, "PONG"u8)
                        : protocol._command == "set" && (line.FirstSpan.SequenceEqual("OK"u8) || Equals(line, "OK"u8));
                    return expected ? OperationStatus.Done : Fail("status", out failure);
                case '-':
                    return Fail("status", out failure);
                case '$' when protocol._command == "get":
                    if (!TryParse(line, out long length) || length < -1 || length > 512L << 20)
                    {
                        return Fail("protocol", out failure);
                    }

                    if (length == -1)
                    {
                        return OperationStatus.Done; // a key not set yet (run SET first to fill the key space)
                    }

                    if (input.Remaining < length + 2)
                    {
                        input = start;
                        return OperationStatus.NeedMoreData;
                    }

                    input.Advance(length);
                    return input.IsNext("\r\n"u8, advancePast: true) ? OperationStatus.Done : Fail("protocol", out failure);
                default:
                    return Fail("protocol", out failure);
            }
        }

        private static bool Equals(ReadOnlySequence<byte> line, ReadOnlySpan<byte> text) => line.Length == text.Length && line.ToArray().AsSpan().SequenceEqual(text);

        private static bool TryParse(ReadOnlySequence<byte> line, out long value)
        {
            Span<byte> digits = stackalloc byte[24];
            if (line.Length > digits.Length)
            {
                value = 0;
                return false;
            }

            line.CopyTo(digits);
            return Utf8Parser.TryParse(digits[..(int)line.Length], out value, out int used) && used == line.Length;
        }

        private static OperationStatus Fail(string kind, out string? failure)
        {
            failure = kind;
            return OperationStatus.InvalidData;
        }
    }
}
