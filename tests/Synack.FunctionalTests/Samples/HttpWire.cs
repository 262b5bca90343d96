using System.Buffers;
using System.Net.Sockets;
using System.Text;
using Synack.FunctionalTests.Infrastructure;
using Synack.Framing;

namespace Synack.FunctionalTests.Samples;

/// <summary>
/// A raw HTTP client over a plain socket, for the tests that must control every byte (pipelining, bad input, half-close):
/// it writes exactly what it is given and reads responses with <see cref="HttpLikeCodec"/>. Every read is bounded by
/// <see cref="Loopback.Patience"/>.
/// </summary>
internal sealed class HttpWire(Socket socket) : IDisposable
{
    private static readonly HttpLikeCodec Codec = new(new HttpLikeOptions { MaxBodyLength = 4 * 1024 * 1024 });
    private byte[] _buffer = new byte[64 * 1024];
    private int _length;

    public Socket Socket => socket;

    public Task SendAsync(string wire) => SendAsync(Encoding.Latin1.GetBytes(wire));

    public async Task SendAsync(byte[] bytes) => await socket.SendAsync(bytes).WaitAsync(Loopback.Patience);

    /// <summary>Sends <paramref name="request"/> and reads one response.</summary>
    public async Task<HttpLikeMessage> ExchangeAsync(string request)
    {
        await SendAsync(request);
        return await ReadResponseAsync();
    }

    /// <summary>Sends a HEAD <paramref name="request"/> and reads its reply (fields only).</summary>
    public async Task<HttpLikeMessage> ExchangeHeadAsync(string request)
    {
        await SendAsync(request);
        return await ReadResponseAsync(toHead: true);
    }

    /// <summary>The next response; <paramref name="toHead"/>: a reply to HEAD (fields only, no body follows).</summary>
    /// <exception cref="EndOfStreamException">The server closed before a whole response.</exception>
    public async Task<HttpLikeMessage> ReadResponseAsync(bool toHead = false)
    {
        while (true)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(_buffer, 0, _length));
            bool complete = toHead ? Codec.TryDecodeHead(ref reader, out HttpLikeMessage message) : Codec.TryDecode(ref reader, out message);
            if (complete)
            {
                int used = (int)reader.Consumed;
                Buffer.BlockCopy(_buffer, used, _buffer, 0, _length - used);
                _length -= used;
                return message;
            }

            if (await ReceiveAsync() == 0)
            {
                throw new EndOfStreamException($"the server closed after {_length} byte(s) of a response");
            }
        }
    }

    /// <summary>True when the server's next move is its FIN with nothing more sent; throws on a reset.</summary>
    public async Task<bool> ClosedByServerAsync() => _length == 0 && await ReceiveAsync() == 0;

    public void Dispose() => socket.Dispose();

    private async Task<int> ReceiveAsync()
    {
        if (_length == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        int n = await socket.ReceiveAsync(_buffer.AsMemory(_length), SocketFlags.None).AsTask().WaitAsync(Loopback.Patience);
        _length += n;
        return n;
    }
}

/// <summary>What the tests read from a response.</summary>
internal static class HttpResponses
{
    public static int Status(this HttpLikeMessage response) => int.Parse(response.StartLine.Split(' ')[1]);

    public static string Text(this HttpLikeMessage response) => Encoding.UTF8.GetString(response.Body.Span);
}
