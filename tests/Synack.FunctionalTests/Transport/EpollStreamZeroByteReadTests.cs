using System.Net;
using System.Net.Sockets;
using Synack.Transport.Epoll;

namespace Synack.FunctionalTests.Transport;

/// <summary>
/// The epoll stream beneath TLS answers SslStream's zero-byte reads (its wait for the next record) from what the last
/// read saw, with no syscall (docs/benchmarks.md, stop 22: one recv() per TLS message instead of three). These pin down
/// that the wait still means "bytes, or the FIN, are there", over a real loopback pair: every step synchronizes on the
/// loop's input edges, never on time.
/// </summary>
public sealed class EpollStreamZeroByteReadTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private Socket _peer = null!;
    private Socket _socket = null!;
    private EpollRegistration _registration = null!;
    private EpollStream _stream = null!;

    public async Task InitializeAsync()
    {
        if (!EpollLoop.IsSupported)
        {
            return;
        }

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        _peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await _peer.ConnectAsync(listener.LocalEndPoint!);
        _socket = await listener.AcceptAsync();
        _socket.Blocking = false;
        _registration = EpollLoop.Next().Register(_socket);
        _stream = new EpollStream(_socket, _registration, new EpollSender(_registration));
    }

    public Task DisposeAsync()
    {
        if (EpollLoop.IsSupported)
        {
            _registration.Unregister();
            _socket.Dispose();
            _peer.Dispose();
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task AZeroByteReadAfterAReadThatEmptiedTheSocketWaitsForThePeersNextBytes()
    {
        if (!EpollLoop.IsSupported)
        {
            return;
        }

        byte[] buffer = new byte[16];
        ValueTask<int> waiting = await ZeroByteReadAfterEmptyingTheSocket(buffer);

        _peer.Send("c"u8);
        Assert.Equal(0, await waiting.AsTask().WaitAsync(Bound));
        Assert.Equal(1, await _stream.ReadAsync(buffer).AsTask().WaitAsync(Bound));
        Assert.Equal((byte)'c', buffer[0]);
    }

    [Fact]
    public async Task AZeroByteReadAfterAReadThatFilledTheBufferCompletesAtOnceAndTheRestIsRead()
    {
        if (!EpollLoop.IsSupported)
        {
            return;
        }

        await SendAndSeeEdge("12345678");
        byte[] buffer = new byte[4];
        Assert.Equal(4, await _stream.ReadAsync(buffer).AsTask().WaitAsync(Bound));

        ValueTask<int> zero = _stream.ReadAsync(Memory<byte>.Empty);
        Assert.True(zero.IsCompleted); // a full buffer may have left bytes in the kernel: no waiting for an edge
        Assert.Equal(0, await zero);
        Assert.Equal(4, await _stream.ReadAsync(buffer).AsTask().WaitAsync(Bound));
        Assert.Equal("5678"u8.ToArray(), buffer);
    }

    [Fact]
    public async Task AZeroByteReadWaitingOnAnEmptiedSocketCompletesAtThePeersFinAndTheNextReadSeesTheEnd()
    {
        if (!EpollLoop.IsSupported)
        {
            return;
        }

        byte[] buffer = new byte[16];
        ValueTask<int> waiting = await ZeroByteReadAfterEmptyingTheSocket(buffer);

        _peer.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await waiting.AsTask().WaitAsync(Bound));
        Assert.Equal(0, await _stream.ReadAsync(buffer).AsTask().WaitAsync(Bound)); // end of stream
    }

    /// <summary>Two bytes arrive and are read into <paramref name="buffer"/>, emptying the socket; then a zero-byte read, still waiting.</summary>
    private async Task<ValueTask<int>> ZeroByteReadAfterEmptyingTheSocket(byte[] buffer)
    {
        await SendAndSeeEdge("ab");
        Assert.Equal(2, await _stream.ReadAsync(buffer).AsTask().WaitAsync(Bound));
        ValueTask<int> waiting = _stream.ReadAsync(Memory<byte>.Empty);
        Assert.False(waiting.IsCompleted); // nothing arrived since the read that emptied the socket
        return waiting;
    }

    /// <summary>Sends <paramref name="text"/> in one segment and waits until the loop has delivered its input edge.</summary>
    private async Task SendAndSeeEdge(string text)
    {
        int before = _registration.Readable.Sequence;
        _peer.Send(System.Text.Encoding.ASCII.GetBytes(text));
        await _registration.Readable.WaitAsync(before).AsTask().WaitAsync(Bound);
    }
}
