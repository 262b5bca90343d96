using System.Buffers;
using System.Text;
using Synack.Errors;

namespace Synack.Framing;

// The chunked body: chunk-size lines, data, the last chunk, trailers (validated, then ignored).
public sealed partial class HttpLikeCodec
{
    /// <summary>The chunks and trailers; when incomplete, <paramref name="knownLength"/> is the bytes from the body's start to the end of the chunk being received plus the last chunk (0 before the first chunk header).</summary>
    private bool TryReadChunkedBody(ref SequenceReader<byte> probe, out ReadOnlyMemory<byte> body, out long knownLength)
    {
        body = default;
        knownLength = 0;
        long bodyStart = probe.Consumed;
        var chunks = new List<ReadOnlySequence<byte>>();
        long total = 0;
        while (true)
        {
            if (!TryReadBoundedLine(ref probe, MaxChunkLineLength, "chunk-size line", out string line))
            {
                return false;
            }

            long size = ParseChunkSize(line);
            total += size;
            if (total > _options.MaxBodyLength)
            {
                throw SynackException.Limit($"chunked body of at least {total} bytes exceeds the maximum body length {_options.MaxBodyLength}");
            }

            if (size == 0)
            {
                break;
            }

            if (probe.Remaining < size + 2)
            {
                knownLength = probe.Consumed - bodyStart + size + 2 + 5; // this chunk, its CRLF, then "0\r\n\r\n"
                return false;
            }

            chunks.Add(probe.UnreadSequence.Slice(0, size));
            probe.Advance(size);
            if (!probe.IsNext("\r\n"u8, advancePast: true))
            {
                throw SynackException.Protocol("chunk data not followed by CRLF");
            }
        }

        if (!TryReadTrailers(ref probe))
        {
            return false;
        }

        byte[] bytes = new byte[total];
        int at = 0;
        foreach (ReadOnlySequence<byte> chunk in chunks)
        {
            chunk.CopyTo(bytes.AsSpan(at));
            at += (int)chunk.Length;
        }

        body = bytes;
        return true;
    }

    private bool TryReadTrailers(ref SequenceReader<byte> probe)
    {
        var trailers = new List<string>();
        long start = probe.Consumed;
        while (true)
        {
            long budget = _options.MaxHeadLength - (probe.Consumed - start);
            if (!TryReadBoundedLine(ref probe, budget, "trailer section", out string line))
            {
                return false;
            }

            if (line.Length == 0)
            {
                ParseFields(trailers.ToArray(), "trailer"); // validated, then ignored
                return true;
            }

            trailers.Add(line);
        }
    }

    /// <summary>Reads one CRLF-terminated line of at most <paramref name="maxLength"/> bytes; false when incomplete.</summary>
    private static bool TryReadBoundedLine(ref SequenceReader<byte> probe, long maxLength, string what, out string line)
    {
        line = "";
        if (!probe.TryReadTo(out ReadOnlySequence<byte> bytes, "\r\n"u8, advancePastDelimiter: true))
        {
            if (probe.Remaining > maxLength)
            {
                throw SynackException.Limit($"{what} longer than {maxLength} bytes");
            }

            return false;
        }

        if (bytes.Length > maxLength)
        {
            throw SynackException.Limit($"{what} longer than {maxLength} bytes");
        }

        line = Encoding.Latin1.GetString(bytes);
        if (line.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw SynackException.Protocol($"bare CR or LF in a {what}");
        }

        return true;
    }

    private static long ParseChunkSize(string line)
    {
        int end = 0;
        while (end < line.Length && char.IsAsciiHexDigit(line[end]))
        {
            end++;
        }

        string rest = line[end..].TrimStart(' ', '\t');
        if (end == 0 || (rest.Length > 0 && rest[0] != ';'))
        {
            throw SynackException.Protocol($"malformed chunk size '{line}'");
        }

        if (end > 15)
        {
            throw SynackException.Protocol($"chunk size '{line[..end]}' overflows");
        }

        return long.Parse(line.AsSpan(0, end), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture);
    }
}
