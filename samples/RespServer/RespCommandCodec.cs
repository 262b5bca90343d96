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
/// 1 MiB per command, 64 KiB inline lines. Anything else is a protocol error that ends only that connection.
/// </summary>
public sealed class RespCommandCodec : IFrameDecoder<byte[][]>
{
    private const int MaxArguments = 1024;
    private const int MaxBulkLength = 512 * 1024;
    private const int MaxInlineLength = 64 * 1024;
    private const int MaxHeaderLine = 16; // "*1024" or "$524288" fit easily

    /// <inheritdoc/>
    public long MaxFrameLength => 1024 * 1024;

    /// <inheritdoc/>
    public bool TryDecode(ref SequenceReader<byte> input, out byte[][] frame)
    {
        frame = [];
        if (!input.TryPeek(out byte first))
        {
            return false;
        }

        return first == (byte)'*' ? TryDecodeArray(ref input, out frame) : TryDecodeInline(ref input, out frame);
    }

    private bool TryDecodeArray(ref SequenceReader<byte> input, out byte[][] frame)
    {
        frame = [];
        input.Advance(1);
        if (!TryReadNumber(ref input, out long count))
        {
            return false;
        }

        if (count is < 1 or > MaxArguments)
        {
            throw count < 1 ? SynackException.Protocol($"a command must have 1 to {MaxArguments} arguments, not {count}") : SynackException.Limit($"{count} arguments: more than {MaxArguments}");
        }

        var arguments = new byte[count][];
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            if (!input.TryRead(out byte marker))
            {
                return false;
            }

            if (marker != (byte)'$')
            {
                throw SynackException.Protocol($"expected '$' before argument {i + 1}, got 0x{marker:x2}");
            }

            if (!TryReadNumber(ref input, out long length))
            {
                return false;
            }

            total += length;
            if (length is < 0 or > MaxBulkLength || total > MaxFrameLength)
            {
                throw length < 0 ? SynackException.Protocol($"negative argument length {length}") : SynackException.Limit($"argument of {length} bytes: the limit is {MaxBulkLength} per argument and {MaxFrameLength} per command");
            }

            if (input.Remaining < length + 2)
            {
                return false;
            }

            arguments[i] = input.UnreadSequence.Slice(0, length).ToArray();
            input.Advance(length);
            if (!input.IsNext("\r\n"u8, advancePast: true))
            {
                throw SynackException.Protocol($"argument {i + 1} is not followed by CRLF");
            }
        }

        frame = arguments;
        return true;
    }

    private static bool TryDecodeInline(ref SequenceReader<byte> input, out byte[][] frame)
    {
        frame = [];
        if (!input.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            return input.Remaining <= MaxInlineLength ? false : throw SynackException.Limit($"inline command longer than {MaxInlineLength} bytes");
        }

        if (line.Length > MaxInlineLength)
        {
            throw SynackException.Limit($"inline command longer than {MaxInlineLength} bytes");
        }

        byte[] text = line.ToArray();
        frame = text.AsSpan().TrimEnd((byte)'\r').ToArray()
            .Split((byte)' ').Where(word => word.Length > 0).ToArray();
        return true;
    }

    /// <summary>Reads a decimal number ending in CRLF ("3\r\n").</summary>
    private static bool TryReadNumber(ref SequenceReader<byte> input, out long value)
    {
        value = 0;
        if (!input.TryReadTo(out ReadOnlySequence<byte> digits, "\r\n"u8))
        {
            return input.Remaining <= MaxHeaderLine ? false : throw SynackException.Protocol("a length line without CRLF");
        }

        if (digits.Length is 0 or > MaxHeaderLine)
        {
            throw SynackException.Protocol("a malformed length line");
        }

        bool negative = false;
        foreach (ReadOnlyMemory<byte> segment in digits)
        {
            foreach (byte b in segment.Span)
            {
                if (b == (byte)'-' && value == 0 && !negative)
                {
                    negative = true;
                }
                else if (b is >= (byte)'0' and <= (byte)'9')
                {
                    value = (value * 10) + (b - '0');
                }
                else
                {
                    throw SynackException.Protocol($"'{(char)b}' in a length line");
                }
            }
        }

        value = negative ? -value : value;
        return true;
    }
}

/// <summary>Splitting a byte array on a separator, for inline commands.</summary>
internal static class ByteSplitting
{
    public static IEnumerable<byte[]> Split(this byte[] bytes, byte separator)
    {
        int start = 0;
        for (int i = 0; i <= bytes.Length; i++)
        {
            if (i == bytes.Length || bytes[i] == separator)
            {
                yield return bytes[start..i];
                start = i + 1;
            }
        }
    }
}
