using System.Buffers;
using System.Net.Sockets;
using Synack.Transport.Pipes;

namespace Synack.Transport.Epoll;

/// <summary>
/// A socket's byte stream on the epoll transport's readiness: the socket is non-blocking and registered once
/// (edge-triggered) with a loop; receives and sends are direct syscalls from the pumps, which wait on the registration's
/// <see cref="ReadinessSignal"/>s and are woken inline by the loop thread.
/// </summary>
internal sealed class EpollSocketStream : ISocketStream
{
    private readonly Socket _socket;
    private readonly EpollRegistration _registration;
    private readonly EpollSender _sender;
    private bool _inputDrained = true; // nothing read yet: wait for the first input edge
    private int _inputDrainedAt;

    /// <summary>Moves <paramref name="socket"/> to <paramref name="loop"/>: non-blocking and registered (before the engine starts).</summary>
    public EpollSocketStream(Socket socket, EpollLoop loop)
    {
        _socket = socket;
        socket.Blocking = false;
        _registration = loop.Register(socket);
        _sender = new EpollSender(_registration);
    }

    public bool ClosesOnLoopThread => true;

    /// <summary>Waits for an input edge newer than the last read that emptied the socket (else it may hold more).</summary>
    public ValueTask<int> WaitForInputAsync() => _inputDrained ? _registration.Readable.WaitForEdgeAsync(_inputDrainedAt) : default;

    // Pooled, as the TLS adapter's reads (TlsAllocationTests): the pump's read waits here for every message.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer)
    {
        ReadinessSignal readable = _registration.Readable;
        while (true)
        {
            int seen = readable.Sequence;
            int received = _socket.Receive(buffer.Span, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                // A read that did not fill the buffer emptied the socket: wait for the next edge before reading again.
                // One that filled it reads again at once, as a level-triggered loop would, and so does any read once
                // the peer's FIN or an error is pending (recv reports those only when called again).
                _inputDrained = received < buffer.Length && received > 0 && !_registration.InputEnding;
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

    public ValueTask<int> ReceivePreambleAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        EpollStream.ReceiveAsync(_socket, _registration, buffer, cancellationToken);

    public ValueTask SendAsync(ReadOnlySequence<byte> buffer, ConnectionEngine engine) => SendLoop.SendAsync(_sender, _socket, buffer, engine);

    public Task ShutdownOutputAsync() => Task.CompletedTask;

    public void EndSending() => _sender.Dispose();

    public Stream AsStream() => new EpollStream(_socket, _registration, _sender);

    public void Close()
    {
    }

    public void Unregister() => _registration.Unregister();

    public void OnSocketClosed() => _registration.Close();
}
