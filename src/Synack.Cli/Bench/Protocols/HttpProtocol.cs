using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Synack.Cli.Bench.Protocols;

/// <summary>
/// HTTP/1.1 <c>GET PATH</c> with keep-alive (what wrk sends): a reply counts when its status line is <c>HTTP/1.x 2xx</c>
/// and its body is exactly the <c>Content-Length</c> announced; another status counts as "status", a reply without a
/// Content-Length (chunked, or close-delimited) or a head over 64 KiB as "protocol".
/// </summary>
internal sealed class HttpProtocol(string host, string path) : IBenchProtocol
{
    private const int MaxHead = 64 * 1024;

    public string Name => "http";

    public IBenchConversation Start(int connection) => new Conversation(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n"));

    private sealed class Conversation(byte[] request) : IBenchConversation
    {
        public bool ServerCloses { get; private set; }

        public void WriteRequest(IBufferWriter<byte> output, long seq) => output.Write(request);

        public OperationStatus TryReadReply(ref SequenceReader<byte> input, long seq, out string? failure)
        {
            failure = null;
            SequenceReader<byte> start = input;
            if (!input.TryReadTo(out ReadOnlySequence<byte> head, "\r\n\r\n"u8))
            {
                input = start;
                return input.Remaining > MaxHead ? Fail("protocol", out failure) : OperationStatus.NeedMoreData;
            }

            if (head.Length > MaxHead)
            {
                return Fail("protocol", out failure);
            }

            // The head is small: one copy makes the header search simple (this runs once per reply, not per byte).
            Span<byte> text = head.Length <= 4096 ? stackalloc byte[(int)head.Length] : new byte[head.Length];
            head.CopyTo(text);
            if (text.Length < 12 || !text.StartsWith("HTTP/1."u8) || text[9] != (byte)'2')
            {
                return Fail(text.StartsWith("HTTP/1."u8) ? "status" : "protocol", out failure);
            }

            ServerCloses |= Header(text, "connection"u8).Trim((byte)' ') is var connection && Ascii.EqualsIgnoreCase(connection, "close"u8);
            long length = ContentLength(text);
            if (length < 0)
            {
                return Fail("protocol", out failure);
            }

            if (input.Remaining < length)
            {
                input = start;
                return OperationStatus.NeedMoreData;
            }

            input.Advance(length);
            return OperationStatus.Done;
        }

        /// <summary>The Content-Length header's value, or -1 when there is none (or it is malformed).</summary>
        private static long ContentLength(ReadOnlySpan<byte> head)
        {
            ReadOnlySpan<byte> value = Header(head, "content-length"u8).Trim((byte)' ');
            return !value.IsEmpty && Utf8Parser.TryParse(value, out long length, out int used) && used == value.Length && length >= 0 ? length : -1;
        }

        /// <summary>The value of the first header named <paramref name="name"/> (any case), or empty.</summary>
        private static ReadOnlySpan<byte> Header(ReadOnlySpan<byte> head, ReadOnlySpan<byte> name)
        {
            while (head.IndexOf("\r\n"u8) is int end and >= 0)
            {
                head = head[(end + 2)..];
                int line = head.IndexOf("\r\n"u8);
                ReadOnlySpan<byte> header = line < 0 ? head : head[..line];
                int colon = header.IndexOf((byte)':');
                if (colon > 0 && Ascii.EqualsIgnoreCase(header[..colon], name))
                {
                    return header[(colon + 1)..];
                }
            }

            return default;
        }

        private static OperationStatus Fail(string kind, out string? failure)
        {
            failure = kind;
            return OperationStatus.InvalidData;
        }
    }
}
