using System.Buffers;
using Synack.Errors;
using Synack.Framing;

namespace RespServer;

/// <summary>
/// Decodes Redis commands (RESP2): an array of bulk strings, as redis-cli and every client library send them, or an
/// inline command (words on one line, as typed into netcat).
/// <code>
///  *3\r\n $3\r\n SET\r\n $8\r\n greeting\r\n $5\r\n hello\r\n      array of 3 bulk strings
///  PING\r\n                                                      inline
/// </code>
/// Limits checked from the headers before any body is buffered: at most 1,024 arguments of at most 512 KiB each,
/// 1 MiB of arguments per command, 16-character length lines, 64 KiB inline lines. Anything else is a protocol error
/// that ends only that connection.
/// </summary>
/// <remarks>
/// The work is <see cref="TryParse"/>, over one contiguous span: it validates a command and says how long it is, copying
/// nothing (the arguments are read in place by <see cref="RespArguments"/>). Every decision uses only bytes already
/// present, so a prefix of the input either needs more or fails exactly as the whole would: the outcome never depends
/// on how the bytes were split (fuzzed: fuzz/corpus/resp).
/// </remarks>
public sealed class RespCommandCodec : IFrameDecoder<RespCommand>
{
    /// <summary>The most arguments in one command, the command's name included.</summary>
    public const int MaxArguments = 1024;

    private const int MaxBulkLength = 512 * 1024;
    private const int MaxDataLength = 1024 * 1024;
    private const int MaxInlineLength = 64 * 1024;
    private const int MaxHeaderLine = 16; // "*1024" or "$524288" fit easily

    /// <summary>The longest command: 1 MiB of arguments and every header ("$524288\r\n", the CRLF after each).</summary>
    public const int MaxCommandLength = MaxDataLength + ((MaxArguments + 1) * (MaxHeaderLine + 5));

    /// <inheritdoc/>
    public long MaxFrameLength => MaxCommandLength;

    /// <inheritdoc/>
    public bool TryDecode(ref SequenceReader<byte> input, out RespCommand frame)
    {
        frame = default;
        if (!TryParse(input.UnreadSpan, out int length, out int count, out bool inline))
        {
            if (input.UnreadSpan.Length == input.Remaining)
            {
                return false;
            }

            // The command runs on past this segment (pipes; never on the epoll transport, whose input is one buffer):
            // parse a contiguous copy.
            if (!TryParse(input.UnreadSequence.ToArray(), out length, out count, out inline))
            {
                return false;
            }
        }

        frame = new RespCommand(input.UnreadSequence.Slice(0, length), count, inline);
        input.Advance(length);
        return true;
    }

    /// <summary>
    /// Validates the command at the start of <paramref name="input"/>: false when it is not complete yet; otherwise its
    /// <paramref name="length"/> in bytes, its argument <paramref name="count"/> (0 for an empty inline line) and whether
    /// it was <paramref name="inline"/>.
    /// </summary>
    /// <exception cref="SynackException">A malformed command (<see cref="ErrorKind.ProtocolError"/>) or one over a limit (<see cref="ErrorKind.LimitExceeded"/>).</exception>
    public static bool TryParse(ReadOnlySpan<byte> input, out int length, out int count, out bool inline)
    {
        length = 0;
        count = 0;
        inline = false;
        if (input.IsEmpty)
        {
            return false;
        }

        if (input[0] != (byte)'*')
        {
            inline = true;
            return TryParseInline(input, out length, out count);
        }

        int position = 1;
        if (!TryReadNumber(input, ref position, out long arguments))
        {
            return false;
        }

        if (arguments is 0 or > MaxArguments)
        {
            throw arguments < 1 ? SynackException.Protocol($"a command must have 1 to {MaxArguments} arguments, not 0") : SynackException.Limit($"{arguments} arguments: more than {MaxArguments}");
        }

        long total = 0;
        for (int i = 0; i < arguments; i++)
        {
            if (position == input.Length)
            {
                return false;
            }

            if (input[position] != (byte)'$')
            {
                throw SynackException.Protocol($"expected '$' before argument {i + 1}, got 0x{input[position]:x2}");
            }

            position++;
            if (!TryReadNumber(input, ref position, out long size))
            {
                return false;
            }

            total += size;
            if (size > MaxBulkLength || total > MaxDataLength)
            {
                throw SynackException.Limit($"argument of {size} bytes: the limit is {MaxBulkLength} per argument and {MaxDataLength} per command");
            }

            if (input.Length - position < size + 2)
            {
                return false;
            }

            position += (int)size;
            if (input[position] != (byte)'\r' || input[position + 1] != (byte)'\n')
            {
                throw SynackException.Protocol($"argument {i + 1} is not followed by CRLF");
            }

            position += 2;
        }

        length = position;
        count = (int)arguments;
        return true;
    }

    private static bool TryParseInline(ReadOnlySpan<byte> input, out int length, out int count)
    {
        length = 0;
        count = 0;
        int end = input[..Math.Min(input.Length, MaxInlineLength + 1)].IndexOf((byte)'\n');
        if (end < 0)
        {
            return input.Length <= MaxInlineLength ? false : throw SynackException.Limit($"inline command longer than {MaxInlineLength} bytes");
        }

        length = end + 1;
        var words = new RespArguments(input[..length], inline: true);
        while (words.TryNext(out _))
        {
            count++;
        }

        return true;
    }

    /// <summary>Reads a decimal number ending in CRLF ("3\r\n") from <paramref name="position"/>.</summary>
    private static bool TryReadNumber(ReadOnlySpan<byte> input, ref int position, out long value)
    {
        value = 0;
        ReadOnlySpan<byte> rest = input[position..];
        int end = rest[..Math.Min(rest.Length, MaxHeaderLine + 2)].IndexOf("\r\n"u8);
        if (end < 0)
        {
            // Need more while the CRLF may still come within the limit: at most MaxHeaderLine characters before it.
            return rest.Length < MaxHeaderLine + 2 && !(rest.Length == MaxHeaderLine + 1 && rest[^1] != (byte)'\r')
                ? false
                : throw SynackException.Protocol("a length line without CRLF");
        }

        ReadOnlySpan<byte> digits = rest[..end];
        if (digits.IsEmpty)
        {
            throw SynackException.Protocol("a malformed length line");
        }

        foreach (byte b in digits)
        {
            // No sign: a negative count or length (even "-0") is malformed, as Redis says "invalid bulk length".
            value = b is >= (byte)'0' and <= (byte)'9' ? (value * 10) + (b - '0') : throw SynackException.Protocol($"'{(char)b}' in a length line");
        }

        position += end + 2;
        return true;
    }
}
