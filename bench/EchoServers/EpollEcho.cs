// A managed echo server that drives Linux epoll directly through P/Invoke: no System.Net.Sockets, no thread pool.
// It mirrors ../shared/refbench/echo_epoll.c so that the two differ only in language/runtime, not in design:
//   - level-triggered epoll, non-blocking sockets, the listener in the same epoll set (accept everything pending);
//   - one read of up to 64 KiB per readiness event into a per-loop native scratch buffer, written straight back;
//   - a short write parks the unwritten rest in a buffer rented from ArrayPool and switches the socket's interest to
//     EPOLLOUT only, so reading stops until it drains (backpressure, no unbounded growth);
//   - per-connection state is a 24-byte struct in an array indexed by fd; an idle connection holds no buffer.
// Stop: the CancellationToken writes to an eventfd that sits in every loop's epoll set, so epoll_wait wakes at once.
// x86_64 Linux only (struct epoll_event is packed there; other layouts are not declared here).
using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

internal static unsafe partial class EpollEcho
{
    private const int AF_INET = 2, SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    private const int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_REUSEPORT = 15, IPPROTO_TCP = 6, TCP_NODELAY = 1;
    private const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
    private const uint EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000;
    private const int EFD_NONBLOCK = 0x800, EFD_CLOEXEC = 0x80000, MSG_NOSIGNAL = 0x4000;
    private const int EINTR = 4, EAGAIN = 11;

    /// <summary>Listens on <paramref name="endPoint"/>, prints READY and echoes until <paramref name="stop"/>.</summary>
    /// <param name="loops">Event-loop threads, each with its own SO_REUSEPORT listener and epoll set (the calling
    /// thread is one of them). 1 when the server is pinned to one core.</param>
    public static void Run(IPEndPoint endPoint, CancellationToken stop, int loops = 1)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException("EpollEcho declares the x86_64 layout of struct epoll_event");
        }

        int efd = Check(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
        var listeners = new int[loops];
        for (int i = 0; i < loops; i++)
        {
            listeners[i] = Listen(endPoint, reusePort: loops > 1);
        }

        Console.WriteLine("READY");
        using CancellationTokenRegistration wake = stop.Register(() =>
        {
            ulong one = 1;
            _ = write(efd, &one, sizeof(ulong));   // never read: stays readable, wakes every loop (level-triggered)
        });
        var threads = new Thread[loops];
        for (int i = 1; i < loops; i++)
        {
            int lfd = listeners[i];
            threads[i] = new Thread(() => new Loop(lfd, efd).Run()) { IsBackground = true, Name = $"epoll-loop-{i}" };
            threads[i].Start();
        }

        new Loop(listeners[0], efd).Run();
        for (int i = 1; i < loops; i++)
        {
            threads[i].Join();
        }

        foreach (int lfd in listeners)
        {
            _ = close(lfd);
        }

        _ = close(efd);
    }

    private static int Listen(IPEndPoint endPoint, bool reusePort)
    {
        int fd = Check(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), "socket");
        int one = 1;
        Check(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(int)), "setsockopt(SO_REUSEADDR)");
        if (reusePort)
        {
            Check(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(int)), "setsockopt(SO_REUSEPORT)");
        }

        SockAddrIn addr = default;
        addr.Family = AF_INET;
        addr.Port = BinaryPrimitives.ReverseEndianness((ushort)endPoint.Port);
        if (!endPoint.Address.TryWriteBytes(new Span<byte>(&addr.Addr, sizeof(uint)), out int written) || written != 4)
        {
            throw new ArgumentException("IPv4 only", nameof(endPoint));
        }

        Check(bind(fd, &addr, (uint)sizeof(SockAddrIn)), "bind");
        Check(listen(fd, 512), "listen");
        return fd;
    }

    private static int Check(int result, string what) =>
        result >= 0 ? result : throw new InvalidOperationException($"{what}: errno {Marshal.GetLastPInvokeError()}");

    private sealed class Loop
    {
        private const int BufferSize = 64 * 1024, MaxEvents = 256;
        private readonly int _lfd, _efd, _ep;
        private Conn[] _conns = new Conn[1024];   // indexed by fd

        public Loop(int lfd, int efd)
        {
            _lfd = lfd;
            _efd = efd;
            _ep = Check(epoll_create1(0x80000 /* EPOLL_CLOEXEC */), "epoll_create1");
            Add(lfd, EPOLLIN);
            Add(efd, EPOLLIN);
        }

        public void Run()
        {
            byte* buf = (byte*)NativeMemory.Alloc(BufferSize);
            EpollEvent* events = (EpollEvent*)NativeMemory.Alloc(MaxEvents, (nuint)sizeof(EpollEvent));
            try
            {
                bool stopping = false;
                while (!stopping)
                {
                    int n = epoll_wait(_ep, events, MaxEvents, -1);
                    if (n < 0)
                    {
                        if (Marshal.GetLastPInvokeError() == EINTR)
                        {
                            continue;
                        }

                        Check(n, "epoll_wait");
                    }

                    for (int i = 0; i < n; i++)
                    {
                        int fd = (int)events[i].Data;
                        uint ev = events[i].Events;
                        if (fd == _lfd)
                        {
                            AcceptAll();
                            continue;
                        }

                        if (fd == _efd)
                        {
                            stopping = true;
                            continue;
                        }

                        ref Conn c = ref _conns[fd];
                        if (!c.Open)
                        {
                            continue;   // closed earlier in this batch
                        }

                        if (c.Pending != null)
                        {
                            Drain(fd, ref c, ev);
                            continue;
                        }

                        nint r = recv(fd, buf, BufferSize, 0);
                        if (r > 0)
                        {
                            if (!SendOrPark(fd, ref c, buf, (int)r))
                            {
                                Close(fd, ref c);
                            }
                        }
                        else if (r == 0 || Marshal.GetLastPInvokeError() is not (EAGAIN or EINTR))
                        {
                            Close(fd, ref c);
                        }
                    }
                }
            }
            finally
            {
                for (int fd = 0; fd < _conns.Length; fd++)
                {
                    if (_conns[fd].Open)
                    {
                        Close(fd, ref _conns[fd]);
                    }
                }

                _ = close(_ep);
                NativeMemory.Free(events);
                NativeMemory.Free(buf);
            }
        }

        private void AcceptAll()
        {
            while (true)
            {
                int fd = accept4(_lfd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                {
                    return;   // EAGAIN (drained), or a transient error such as ECONNABORTED/EMFILE: retried on the next event
                }

                int one = 1;
                _ = setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(int));
                if (fd >= _conns.Length)
                {
                    Array.Resize(ref _conns, Math.Max(fd + 1, _conns.Length * 2));
                }

                _conns[fd] = new Conn { Open = true };
                Add(fd, EPOLLIN | EPOLLRDHUP);
            }
        }

        // Writes buf[0..len); on a short write keeps the rest and waits for EPOLLOUT only. False: fatal error.
        private bool SendOrPark(int fd, ref Conn c, byte* buf, int len)
        {
            int off = 0;
            while (off < len)
            {
                nint w = send(fd, buf + off, (nuint)(len - off), MSG_NOSIGNAL);
                if (w > 0)
                {
                    off += (int)w;
                    continue;
                }

                int err = w < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (err == EINTR)
                {
                    continue;
                }

                if (err == EAGAIN)
                {
                    break;
                }

                return false;
            }

            if (off == len)
            {
                return true;
            }

            int rest = len - off;
            byte[] pending = ArrayPool<byte>.Shared.Rent(rest);
            new ReadOnlySpan<byte>(buf + off, rest).CopyTo(pending);
            c.Pending = pending;
            c.Offset = 0;
            c.Length = rest;
            Modify(fd, EPOLLOUT);   // stop reading until drained
            return true;
        }

        private void Drain(int fd, ref Conn c, uint ev)
        {
            if ((ev & (EPOLLERR | EPOLLHUP)) != 0)
            {
                Close(fd, ref c);
                return;
            }

            nint w;
            fixed (byte* p = c.Pending)
            {
                w = send(fd, p + c.Offset, (nuint)c.Length, MSG_NOSIGNAL);
            }

            if (w < 0)
            {
                if (Marshal.GetLastPInvokeError() is not (EAGAIN or EINTR))
                {
                    Close(fd, ref c);
                }

                return;
            }

            c.Offset += (int)w;
            c.Length -= (int)w;
            if (c.Length > 0)
            {
                return;
            }

            ArrayPool<byte>.Shared.Return(c.Pending!);
            c.Pending = null;
            c.Offset = 0;
            Modify(fd, EPOLLIN | EPOLLRDHUP);
        }

        private void Close(int fd, ref Conn c)
        {
            _ = epoll_ctl(_ep, EPOLL_CTL_DEL, fd, null);
            _ = close(fd);
            if (c.Pending != null)
            {
                ArrayPool<byte>.Shared.Return(c.Pending);
            }

            c = default;
        }

        private void Add(int fd, uint events)
        {
            var e = new EpollEvent { Events = events, Data = (ulong)fd };
            Check(epoll_ctl(_ep, EPOLL_CTL_ADD, fd, &e), "epoll_ctl(ADD)");
        }

        private void Modify(int fd, uint events)
        {
            var e = new EpollEvent { Events = events, Data = (ulong)fd };
            _ = epoll_ctl(_ep, EPOLL_CTL_MOD, fd, &e);
        }
    }

    private struct Conn
    {
        public byte[]? Pending;   // unwritten echo bytes (rented), null while the connection is readable/idle
        public int Offset;
        public int Length;
        public bool Open;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 4)]   // x86_64: __attribute__((packed)), 12 bytes
    private struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockAddrIn
    {
        public ushort Family;
        public ushort Port;   // network byte order
        public uint Addr;     // network byte order
        public ulong Zero;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int bind(int fd, SockAddrIn* addr, uint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int listen(int fd, int backlog);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int accept4(int fd, void* addr, void* length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int ep, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int ep, EpollEvent* events, int maxEvents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(int fd, byte* buf, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, byte* buf, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, void* buf, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
