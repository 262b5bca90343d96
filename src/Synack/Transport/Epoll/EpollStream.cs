using System.Net.Sockets;

namespace Synack.Transport.Epoll;

/// <summary>
/// The byte stream of a socket on an epoll loop, for adapters that want a <see cref="Stream"/> (TLS: an
/// <see cref="System.Net.Security.SslStream"/> over it, as Pipelines.Sockets.Unofficial's StreamConnection adapts any
/// stream). Reads try recv() and wait for the loop's next input edge on EAGAIN; writes go through the connection's
/// <see cref="EpollSender"/>. The socket is never handed to the runtime's engine, so TLS runs on epoll too (issue 12).
/// </summary>
/// <remarks>
/// One read and one write at a time (SslStream's rule too). Cancelling a read or write that waits (the TLS handshake's
/// deadline is the only caller that passes a token) closes that direction's signal for good: the caller then aborts the
/// connection, and the signal must not keep a waiter of an abandoned operation.
/// </remarks>
internal sealed class EpollStream(Socket socket, EpollRegistration registration, EpollSender sender) : Stream
{
    private readonly InputDrain _drain = new(drained: false); // unknown at first: the handshake's reads find out

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// A zero-byte read is SslStream's wait for the next record (it reads into an empty buffer first, so that an idle
    /// connection holds no read buffer): after a read that emptied the socket it waits for the loop's next input edge,
    /// with no syscall, and otherwise completes at once. The runtime's sockets answer it with a recv(MSG_PEEK) of one
    /// byte, which made TLS on epoll three recv()s per 32-byte message at -c 50 -P 1, two of them EAGAIN or a peek
    /// (strace and perf stat, docs/benchmarks.md, stop 22).
    /// </summary>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty && !cancellationToken.CanBeCanceled)
        {
            return _drain.WaitForInputAsync(registration.Readable);
        }

        return ReadCoreAsync(buffer, cancellationToken);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await ReceiveAsync(socket, registration, buffer, cancellationToken, _drain).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new IOException($"recv failed: {e.SocketErrorCode}", e);
        }
    }

    /// <summary>
    /// One recv() on a socket watched by <paramref name="registration"/>, waiting for input edges on EAGAIN: the byte
    /// count (0 at the peer's FIN), or a <see cref="SocketException"/>. A cancelled wait closes the input signal (see the
    /// remarks) and throws <see cref="OperationCanceledException"/>. A successful read is told to <paramref name="drain"/>, if any.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<int> ReceiveAsync(Socket socket, EpollRegistration registration, Memory<byte> buffer, CancellationToken cancellationToken,
        InputDrain? drain = null)
    {
        using CancellationTokenRegistration cancel = CloseOnCancel(registration.Readable, cancellationToken);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int seen = registration.Readable.Sequence;
            int received = socket.Receive(buffer.Span, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                drain?.OnReceived(received, buffer.Length, seen, registration.InputEnding);
                return received;
            }

            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
            }

            await registration.Readable.WaitAsync(seen).ConfigureAwait(false);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using CancellationTokenRegistration cancel = CloseOnCancel(registration.Writable, cancellationToken);
        while (!buffer.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int sent;
            try
            {
                sent = await sender.SendAsync(socket, buffer).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new IOException($"send failed: {e.SocketErrorCode}", e);
            }

            buffer = buffer[sent..];
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    // Blocking calls would stall a loop thread: the engine never makes them, and neither may anything it hands this to.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("epoll streams are asynchronous only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("epoll streams are asynchronous only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private static CancellationTokenRegistration CloseOnCancel(ReadinessSignal signal, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static s => ((ReadinessSignal)s!).Close(), signal) : default;
}
