using System.Net.Sockets;

namespace Synack.Transport.Pipes;

/// <summary>One connection's send operation, for the runtime's socket engine or the epoll transport. One send at a time.</summary>
internal interface ISender : IDisposable
{
    /// <summary>Sends from one buffer; completes with the bytes sent.</summary>
    /// <exception cref="SocketException">The send failed (reset, broken pipe, ...).</exception>
    ValueTask<int> SendAsync(Socket socket, ReadOnlyMemory<byte> buffer);

    /// <summary>Sends from several buffers with one sendmsg() (gather I/O).</summary>
    /// <exception cref="SocketException">The send failed.</exception>
    ValueTask<int> SendAsync(Socket socket, IList<ArraySegment<byte>> buffers);

    /// <summary>A list the caller may reuse to gather a multi-segment buffer for one send (made on first use).</summary>
    List<ArraySegment<byte>> GatherList { get; }
}
