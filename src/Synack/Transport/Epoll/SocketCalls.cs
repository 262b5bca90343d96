using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Synack.Transport.Epoll;

/// <summary>
/// The recv() and send() the epoll engines make, behind one seam. Production uses <see cref="Native"/>; a test subclass
/// returns chosen errno results (EINTR, EAGAIN, ENOBUFS, ECONNRESET, EPIPE) or short counts at chosen call numbers, so
/// each of those paths is tested deterministically (issue 14, "syscall faults"; SyscallFaultTests). The seam is the raw
/// call: the EINTR retry and the errno mapping below it are the code under test.
/// </summary>
/// <remarks>
/// Reached through <see cref="Connections.ConnectionOptions"/>, which connections share, so it costs a connection no field
/// (the inline engine's idle memory is at its 1 KiB target, docs/benchmarks.md); one virtual call beside a syscall.
/// </remarks>
internal unsafe class SocketCalls
{
    /// <summary>The real calls.</summary>
    public static readonly SocketCalls Native = new();

    /// <summary>One recv() on a non-blocking socket: the byte count (0 at the peer's FIN), or -1 with <paramref name="error"/>; EINTR is retried.</summary>
    public int Receive(int fd, Span<byte> buffer, out SocketError error)
    {
        while (true)
        {
            nint n = Recv(fd, buffer);
            if (Done(n, out error))
            {
                return (int)n;
            }
        }
    }

    /// <summary>One send() on a non-blocking socket: the bytes the kernel took, or -1 with <paramref name="error"/>; EINTR is retried.</summary>
    public int Send(int fd, ReadOnlySpan<byte> data, out SocketError error)
    {
        while (true)
        {
            nint n = Send(fd, data, flags: EpollNative.MsgNoSignal);
            if (Done(n, out error))
            {
                return (int)n;
            }
        }
    }

    /// <summary>recv(fd, buffer, 0): the count, or -1 with the errno left in <see cref="Marshal.GetLastPInvokeError"/>.</summary>
    protected virtual nint Recv(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return EpollNative.Recv(fd, p, buffer.Length, 0);
        }
    }

    /// <summary>send(fd, data, flags): the count, or -1 with the errno left in <see cref="Marshal.GetLastPInvokeError"/>.</summary>
    protected virtual nint Send(int fd, ReadOnlySpan<byte> data, int flags)
    {
        fixed (byte* p = data)
        {
            return EpollNative.Send(fd, p, data.Length, flags);
        }
    }

    /// <summary>False for EINTR (call again); else the call's outcome as the runtime's <see cref="SocketError"/>.</summary>
    private static bool Done(nint n, out SocketError error)
    {
        if (n >= 0)
        {
            error = SocketError.Success;
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        error = errno == EpollNative.Eintr ? SocketError.Interrupted : Errno.ToSocketError(errno);
        return errno != EpollNative.Eintr;
    }
}
