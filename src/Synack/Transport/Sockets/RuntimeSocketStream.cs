using System.Buffers;
using System.Net.Sockets;
using Synack.Transport.Pipes;

namespace Synack.Transport.Sockets;

/// <summary>
/// A socket's byte stream on the runtime's engine (System.Net.Sockets' own epoll/kqueue/IOCP loop): zero-byte receives
/// to wait for input, receives and sends as the runtime's async operations (sends through one reusable
/// <see cref="SocketSender"/>, made on the first send).
/// </summary>
internal sealed class RuntimeSocketStream(Socket socket) : ISocketStream
{
    private SocketSender? _sender;

    public bool ClosesOnLoopThread => false;

    /// <summary>Zero-byte read: waits for readability without holding a buffer.</summary>
    public ValueTask<int> WaitForInputAsync() => socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer) => socket.ReceiveAsync(buffer, SocketFlags.None);

    public ValueTask<int> ReceivePreambleAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public ValueTask SendAsync(ReadOnlySequence<byte> buffer, ConnectionEngine engine) =>
        SendLoop.SendAsync(_sender ??= new SocketSender(), socket, buffer, engine);

    public Task ShutdownOutputAsync() => Task.CompletedTask;

    public void EndSending() => _sender?.Dispose();

    public Stream AsStream() => new NetworkStream(socket, ownsSocket: false);

    public void Close()
    {
    }

    public void Unregister()
    {
    }

    public void OnSocketClosed()
    {
    }
}
