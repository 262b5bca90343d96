using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Synack.Transport.Epoll;

/// <summary>The few Linux calls the epoll transport needs, and the layout of <c>struct epoll_event</c>.</summary>
/// <remarks>
/// <c>struct epoll_event { uint32_t events; epoll_data_t data; }</c> is packed on x86-64 (12 bytes, data at offset 4)
/// and naturally aligned elsewhere (16 bytes, data at offset 8); the transport reads it by offset for either.
/// </remarks>
internal static unsafe partial class EpollNative
{
    public const int EpollCloexec = 0x80000;
    public const int CtlAdd = 1;
    public const int CtlDel = 2;
    public const int CtlMod = 3;
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Err = 0x008;
    public const uint Hup = 0x010;
    public const uint RdHup = 0x2000;
    public const uint EdgeTriggered = 1u << 31;
    public const int Eintr = 4;
    public const int Ebadf = 9;
    public const int Efault = 14;
    public const int Einval = 22;

    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    public static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int Create(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int Control(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int Wait(int epfd, byte* events, int maxEvents, int timeout);

    /// <summary>MSG_NOSIGNAL: a send to a reset peer fails with EPIPE instead of raising SIGPIPE (the runtime ignores it too).</summary>
    public const int MsgNoSignal = 0x4000;

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nint length, int flags);

    /// <summary>Adds <paramref name="fd"/> with <paramref name="events"/>, its own number as the event's data.</summary>
    public static int Add(int epfd, int fd, uint events) => Set(epfd, CtlAdd, fd, events);

    /// <summary>Replaces the events watched for <paramref name="fd"/> (the kernel re-checks readiness at once).</summary>
    public static int Modify(int epfd, int fd, uint events) => Set(epfd, CtlMod, fd, events);

    private static int Set(int epfd, int op, int fd, uint events)
    {
        byte* ev = stackalloc byte[16];
        new Span<byte>(ev, 16).Clear();
        *(uint*)ev = events;
        *(long*)(ev + DataOffset) = fd;
        return Control(epfd, op, fd, ev);
    }

    private const int FGetFl = 3, FSetFl = 4, ONonBlock = 0x800; // F_GETFL, F_SETFL, O_NONBLOCK (Linux)

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd, int arg);

    /// <summary>
    /// Makes <paramref name="socket"/>'s descriptor non-blocking with fcntl(), behind the runtime's back: setting
    /// <see cref="Socket.Blocking"/> instead makes the runtime build its async context for the socket (a
    /// SocketAsyncContext and its three lock objects, 224 B per connection in a gcdump of 10,000 idle inline
    /// connections, docs/benchmarks.md, stop 20), which the epoll engines never use: they call recv() and send()
    /// themselves. Falls back to <see cref="Socket.Blocking"/> if fcntl() fails.
    /// </summary>
    public static void SetNonBlocking(Socket socket)
    {
        int fd = (int)socket.SafeHandle.DangerousGetHandle();
        int flags = Fcntl(fd, FGetFl, 0);
        if (flags < 0 || Fcntl(fd, FSetFl, flags | ONonBlock) < 0)
        {
            socket.Blocking = false;
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SetAffinity(int pid, nint size, ulong* mask);

    /// <summary>Pins the calling thread to one CPU (sched_setaffinity with pid 0 means the calling thread); false if refused.</summary>
    public static bool PinCurrentThread(int cpu)
    {
        if ((uint)cpu >= 1024)
        {
            return false;
        }

        ulong* mask = stackalloc ulong[16]; // a 1024-CPU cpu_set_t, glibc's default size
        new Span<ulong>(mask, 16).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        return SetAffinity(0, 16 * sizeof(ulong), mask) == 0;
    }

    public static int Remove(int epfd, int fd)
    {
        byte* ev = stackalloc byte[16]; // ignored by the kernel for EPOLL_CTL_DEL, but must not be NULL before Linux 2.6.9
        return Control(epfd, CtlDel, fd, ev);
    }
}
