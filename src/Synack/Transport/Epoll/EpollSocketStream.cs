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
    private readonly InputDrain _drain = new(drained: true); // nothing read yet: wait for the first input edge

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
    public ValueTask<int> WaitForInputAsync() => _drain.WaitForInputAsync(_registration.Readable);

    /// <summary>One recv(), waiting for input edges on EAGAIN; a read that emptied the socket makes the next <see cref="WaitForInputAsync"/> wait.</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer) => EpollStream.ReceiveAsync(_socket, _registration, buffer, CancellationToken.None, _drain);

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
