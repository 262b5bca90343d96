using System.Net.Sockets;
using Synack.Transport;
using Synack.Transport.Epoll;

namespace Synack.Connections;

public sealed partial class Connection
{
    private EpollRegistration? _epoll;
    private bool _inputDrained = true; // nothing read yet: wait for the first input edge
    private int _inputDrainedAt;

    /// <summary>
    /// Moves the socket to <paramref name="loop"/>: non-blocking, registered once (edge-triggered), sends and receives as
    /// direct syscalls from the pumps, which the loop thread wakes inline. Call before <see cref="Start"/>.
    /// </summary>
    private void UseEpoll(EpollLoop loop)
    {
        _socket.Blocking = false;
        _epoll = loop.Register(_socket);
        _sender = new EpollSender(_epoll);
    }

    /// <summary>Stops watching the socket before it is closed (for a connection that failed before it started).</summary>
    internal void UnregisterEpoll() => _epoll?.Unregister();

    /// <summary>
    /// One recv() for a preamble read before the pumps start (the PROXY header), on this connection's engine and
    /// cancellable: 0 at the peer's FIN. Never consumes more than <paramref name="buffer"/> holds.
    /// </summary>
    internal ValueTask<int> ReceivePreambleAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        _epoll is { } epoll
            ? EpollStream.ReceiveAsync(_socket, epoll, buffer, cancellationToken)
            : _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    /// <summary>One recv() into <paramref name="buffer"/>: 0 means the peer's FIN.</summary>
    private ValueTask<int> ReceiveRawAsync(Memory<byte> buffer) =>
        _epoll is { } epoll ? ReceiveEpollAsync(epoll.Readable, buffer) : _socket.ReceiveAsync(buffer, SocketFlags.None);

    private async ValueTask<int> ReceiveEpollAsync(ReadinessSignal readable, Memory<byte> buffer)
    {
        while (true)
        {
            int seen = readable.Sequence;
            int received = _socket.Receive(buffer.Span, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                // A read that did not fill the buffer emptied the socket: wait for the next edge before reading again.
                // One that filled it reads again at once (-1), as a level-triggered loop would, and so does any read once
                // the peer's FIN or an error is pending (recv reports those only when called again).
                _inputDrained = received < buffer.Length && received > 0 && !_epoll!.InputEnding;
                _inputDrainedAt = seen;
                return received;
            }

            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
            }

            await readable.WaitAsync(seen).ConfigureAwait(false);
        }
    }
}
