using System.Net.Sockets;

namespace Synack.Transport.Epoll;

/// <summary>
/// Linux errno values from direct recv()/send() calls, as the <see cref="SocketError"/> the runtime reports for the same
/// failure (its SocketErrorPal mapping), so errors from the epoll fast path classify exactly like those from
/// <see cref="Socket"/>. EINTR never reaches here: <see cref="SocketCalls"/> retries it.
/// </summary>
internal static class Errno
{
    public static SocketError ToSocketError(int errno) => errno switch
    {
        9 => SocketError.OperationAborted,          // EBADF: closed under us
        11 => SocketError.WouldBlock,               // EAGAIN / EWOULDBLOCK
        12 or 105 => SocketError.NoBufferSpaceAvailable, // ENOMEM, ENOBUFS
        13 => SocketError.AccessDenied,             // EACCES
        22 => SocketError.InvalidArgument,          // EINVAL
        32 => SocketError.Shutdown,                 // EPIPE
        100 => SocketError.NetworkDown,             // ENETDOWN
        101 => SocketError.NetworkUnreachable,      // ENETUNREACH
        102 => SocketError.NetworkReset,            // ENETRESET
        103 => SocketError.ConnectionAborted,       // ECONNABORTED
        104 => SocketError.ConnectionReset,         // ECONNRESET
        107 => SocketError.NotConnected,            // ENOTCONN
        110 => SocketError.TimedOut,                // ETIMEDOUT
        112 => SocketError.HostDown,                // EHOSTDOWN
        113 => SocketError.HostUnreachable,         // EHOSTUNREACH
        _ => SocketError.SocketError,
    };
}
