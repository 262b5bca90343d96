namespace Synack.Transport.Pipes;

/// <summary>
/// A socket's own byte stream, beneath any adapter: how its engine receives (the runtime's async sockets, or epoll
/// readiness), and what closing the socket involves there.
/// </summary>
internal interface ISocketStream : IByteStream
{
    /// <summary>
    /// True when the socket is watched by an epoll loop: close() with SO_LINGER &gt; 0 blocks, and must not run on a loop
    /// thread.
    /// </summary>
    bool ClosesOnLoopThread { get; }

    /// <summary>
    /// One recv() for a preamble read before the pumps start (the PROXY header), cancellable: 0 at the peer's FIN. Never
    /// consumes more than <paramref name="buffer"/> holds.
    /// </summary>
    ValueTask<int> ReceivePreambleAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>The stream as a <see cref="Stream"/>, for an adapter that wants one (TLS's <see cref="System.Net.Security.SslStream"/>).</summary>
    Stream AsStream();

    /// <summary>Stops watching the socket; call before closing it. Idempotent.</summary>
    void Unregister();

    /// <summary>After the socket is closed: wakes a pump that waits, so its next syscall reports the close.</summary>
    void OnSocketClosed();
}
