using System.Buffers;

namespace Synack.Transport.Pipes;

/// <summary>
/// The byte stream the <see cref="PipesEngine"/>'s pumps move bytes through: a socket's own (<see cref="ISocketStream"/>:
/// the runtime's sockets, or epoll readiness) or an adapter over one (TLS, <see cref="Tls.TlsByteStream"/>). One receive
/// and one send at a time (the pumps).
/// </summary>
internal interface IByteStream
{
    /// <summary>
    /// Waits, holding no buffer, until a receive is likely to find bytes or the end (so idle connections pin no memory);
    /// completes at once where a receive must not wait first (TLS may have plaintext buffered).
    /// </summary>
    ValueTask<int> WaitForInputAsync();

    /// <summary>One receive into <paramref name="buffer"/>: the byte count, 0 at the peer's FIN.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The receive failed.</exception>
    ValueTask<int> ReceiveAsync(Memory<byte> buffer);

    /// <summary>Sends all of <paramref name="buffer"/>, telling <paramref name="engine"/>'s meter when a send blocks and what was sent.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The send failed.</exception>
    ValueTask SendAsync(ReadOnlySequence<byte> buffer, ConnectionEngine engine);

    /// <summary>What goes before the FIN (TLS close_notify); nothing for a socket.</summary>
    Task ShutdownOutputAsync();

    /// <summary>The send pump has ended: its send operation can go.</summary>
    void EndSending();

    /// <summary>The connection is released: an adapter lets go of its state (the socket is closed by the engine).</summary>
    void Close();
}
