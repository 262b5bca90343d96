using System.Buffers;
using Synack.Errors;

namespace Synack.ProxyProtocol;

/// <summary>
/// Reads a PROXY header straight from the socket, before anything else (the pumps, TLS) touches it, and never consumes
/// a byte past the header: what follows (request bytes, a TLS ClientHello) stays in the kernel for the next reader.
/// <c>receive</c> is the connection's engine's raw recv() (the runtime's sockets or the epoll loop's), so the header is
/// read on whichever engine the connection runs.
/// </summary>
/// <remarks>
/// 12 bytes first (both signatures fit, and no v1 header is shorter than 15); then, for v2, the 4 remaining fixed bytes
/// and exactly the announced length; for v1, one byte at a time up to the CRLF (at most 107 in all). The codec then
/// validates the whole header.
/// </remarks>
internal static class ProxyHeaderReader
{
    public static async Task<ProxyHeader?> ReadAsync(Receive socket, ProxyHeaderCodec codec, CancellationToken cancellationToken)
    {
        byte[] header = new byte[codec.MaxFrameLength];
        if (!await ReadExactlyAsync(socket, header.AsMemory(0, 12), cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        int length = 12;
        if (header[0] == 0x0D)
        {
            if (!await ReadExactlyAsync(socket, header.AsMemory(12, 4), cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            int body = (header[14] << 8) | header[15];
            if (16 + body > header.Length)
            {
                throw SynackException.Limit($"PROXY v2 header of {16 + body} bytes; the maximum is {header.Length}");
            }

            if (!await ReadExactlyAsync(socket, header.AsMemory(16, body), cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            length = 16 + body;
        }
        else
        {
            while (!(header[length - 2] == '\r' && header[length - 1] == '\n'))
            {
                if (length >= 107)
                {
                    throw SynackException.Protocol("PROXY v1 header longer than 107 bytes");
                }

                if (!await ReadExactlyAsync(socket, header.AsMemory(length, 1), cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                length++;
            }
        }

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(header, 0, length));
        return codec.TryDecode(ref reader, out ProxyHeader decoded) && reader.Remaining == 0
            ? decoded
            : throw SynackException.Protocol("malformed PROXY header");
    }

    /// <summary>One recv() of at most <c>buffer.Length</c> bytes: 0 at the peer's FIN; a <see cref="System.Net.Sockets.SocketException"/> on failure.</summary>
    public delegate ValueTask<int> Receive(Memory<byte> buffer, CancellationToken cancellationToken);

    private static async Task<bool> ReadExactlyAsync(Receive socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int received = await socket(buffer, cancellationToken).ConfigureAwait(false);
            if (received == 0)
            {
                return false;
            }

            buffer = buffer[received..];
        }

        return true;
    }
}
