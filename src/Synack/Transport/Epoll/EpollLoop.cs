using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Synack.Transport.Epoll;

/// <summary>
/// An event loop that drives Linux epoll directly: one thread blocked in epoll_wait, sockets registered once,
/// edge-triggered, for input and output. Each edge wakes the socket's waiting pump inline on this thread, so a request
/// is read, handled and answered without a thread-pool hop (the model of kestrel-linux-transport and of the C yardstick).
/// Loops come in groups (<see cref="EpollLoopGroup"/>: one loop per core by default, connections spread round-robin);
/// they live as long as the process, like the runtime's own socket engine threads.
/// </summary>
internal sealed unsafe class EpollLoop
{
    private const int MaxEvents = 256;

    /// <summary>
    /// What every socket is watched for. Output edges are watched only while a send waits (<see cref="WatchOutput"/>):
    /// with EPOLLOUT always on, every ACK that frees send-buffer space wakes the loop, doubling its events for nothing.
    /// </summary>
    private const uint InputEvents = EpollNative.In | EpollNative.RdHup | EpollNative.EdgeTriggered;
    private readonly int _epfd;
    private readonly object _gate = new();
    private EpollRegistration?[] _byFd = new EpollRegistration?[1024];

    private readonly int _cpu;
    private long _busySince; // Stopwatch ticks when the current batch of events began; 0 while in epoll_wait
    private long _stallClaimed; // the _busySince of the last batch reported as a stall
    private EpollRegistration? _current;
    private int _threadId; // the loop thread's managed id, set when it starts

    /// <summary>Starts a loop thread named <paramref name="name"/>, pinned to <paramref name="cpu"/> unless it is negative.</summary>
    internal EpollLoop(string name, int cpu)
    {
        Name = name;
        _epfd = EpollNative.Create(EpollNative.EpollCloexec);
        if (_epfd < 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }

        _cpu = cpu;
        new Thread(Run) { IsBackground = true, Name = name }.Start();
        LoopWatchdog.Watch(this);
    }

    /// <summary>The loop thread's name.</summary>
    public string Name { get; }

    /// <summary>When the batch of events being handled began (Stopwatch ticks), or 0 while the loop waits.</summary>
    internal long BusySince => Volatile.Read(ref _busySince);

    /// <summary>The registration whose edge is being handled, if any (for the stall report).</summary>
    internal EpollRegistration? Current => Volatile.Read(ref _current);

    /// <summary>
    /// The time for a traffic counter: on this loop's thread, while it dispatches a batch of events, when the batch began
    /// (one clock read per epoll_wait instead of one per recv() and one per send(): vDSO clock_gettime was 0.7 % of an
    /// echo server's samples at (b), docs/benchmarks.md, stop 22); anywhere else, <paramref name="time"/> read now. Only
    /// the system clock is taken from the batch: a test's fake clock is always read as it is. A batch is microseconds
    /// long, or as long as a stall the watchdog reports, so an activity time is never older than that.
    /// </summary>
    public long Now(TimeProvider time)
    {
        if (ReferenceEquals(time, TimeProvider.System) && Environment.CurrentManagedThreadId == _threadId)
        {
            long batch = _busySince; // written by this thread
            if (batch != 0)
            {
                return batch;
            }
        }

        return time.GetTimestamp();
    }

    /// <summary>True the first time a stall of the batch that began at <paramref name="busySince"/> is claimed.</summary>
    internal bool TryClaimStall(long busySince) => Interlocked.Exchange(ref _stallClaimed, busySince) != busySince;

    /// <summary>Linux on x86-64 or ARM64: the platforms whose <c>struct epoll_event</c> layout is declared.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>The next loop of the default group (one loop per available core), round-robin.</summary>
    public static EpollLoop Next() => EpollLoopGroup.Default.Next();

    /// <summary>Watches a non-blocking socket for input and output edges, waking its readiness signals, until <see cref="Unregister"/>.</summary>
    public EpollRegistration Register(Socket socket) => Add(new EpollRegistration(this, socket, listener: null));

    /// <summary>
    /// Starts watching a registration made for this loop. Its owner can store the registration before this call, so that
    /// an edge delivered at once already finds it in place. epoll_ctl(ADD) reports readiness that predates it: bytes that
    /// arrived earlier are not missed.
    /// </summary>
    public EpollRegistration Add(EpollRegistration registration)
    {
        int fd = registration.Fd;
        lock (_gate)
        {
            if (fd >= _byFd.Length)
            {
                Array.Resize(ref _byFd, Math.Max(fd + 1, _byFd.Length * 2));
            }

            Volatile.Write(ref _byFd[fd], registration);
        }

        if (EpollNative.Add(_epfd, fd, InputEvents) != 0)
        {
            int error = Marshal.GetLastPInvokeError();
            Forget(registration);
            throw new SocketException(error);
        }

        return registration;
    }

    /// <summary>Starts or stops watching <paramref name="registration"/>'s socket for output edges.</summary>
    public void WatchOutput(EpollRegistration registration, bool on) =>
        _ = EpollNative.Modify(_epfd, registration.Fd, on ? InputEvents | EpollNative.Out : InputEvents); // fails only once closed

    /// <summary>Stops watching (call before the socket is closed, so that a reused descriptor is never confused).</summary>
    public void Unregister(EpollRegistration registration)
    {
        _ = EpollNative.Remove(_epfd, registration.Fd); // EBADF or ENOENT if already closed: nothing to remove
        Forget(registration);
    }

    private void Forget(EpollRegistration registration)
    {
        lock (_gate)
        {
            if (registration.Fd < _byFd.Length && _byFd[registration.Fd] == registration)
            {
                Volatile.Write(ref _byFd[registration.Fd], null);
            }
        }
    }

    /// <remarks>
    /// Fully optimized from the start: a method that is entered once and never returns runs forever in the code tiered
    /// compilation gives it first (tier 0, then on-stack replacement), never in tier 1. With that code the async echo ran
    /// at 0.63x of C on (c) and the framed echo at 0.44x; with loops jitted optimized (DOTNET_TC_QuickJitForLoops=0) at
    /// 0.88x and 1.03x (bench/pairs.sh, one round each, docs/benchmarks.md, stop 20).
    /// </remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Run()
    {
        if (_cpu >= 0)
        {
            EpollNative.PinCurrentThread(_cpu); // best effort: a CPU outside the process's set leaves the thread unpinned
        }

        _threadId = Environment.CurrentManagedThreadId;
        int size = EpollNative.EventSize;
        byte* events = (byte*)NativeMemory.AllocZeroed((nuint)(MaxEvents * size));
        while (true)
        {
            int count = EpollNative.Wait(_epfd, events, MaxEvents, -1);
            if (count < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is not (EpollNative.Ebadf or EpollNative.Efault or EpollNative.Einval))
                {
                    continue; // EINTR (a signal); or an errno no kernel returns here, as strace --inject makes (bench/syscall-faults.sh)
                }

                // EBADF, EFAULT or EINVAL on our own descriptor: a bug, and every connection on this loop would hang.
                Environment.FailFast($"synack: epoll_wait failed with errno {errno}");
            }

            Volatile.Write(ref _busySince, Stopwatch.GetTimestamp());
            EpollRegistration?[] registrations = Volatile.Read(ref _byFd);
            for (int i = 0; i < count; i++)
            {
                byte* ev = events + (i * size);
                uint mask = *(uint*)ev;
                long fd = *(long*)(ev + EpollNative.DataOffset);
                if ((ulong)fd >= (ulong)registrations.Length || Volatile.Read(ref registrations[fd]) is not { } registration)
                {
                    continue; // closed since the event was queued
                }

                if ((mask & (EpollNative.RdHup | EpollNative.Hup | EpollNative.Err)) != 0)
                {
                    registration.InputEnding = true; // before the signal: the woken pump must see it
                }

                Volatile.Write(ref _current, registration);
                bool readable = (mask & (EpollNative.In | EpollNative.RdHup | EpollNative.Hup | EpollNative.Err)) != 0;
                bool writable = (mask & (EpollNative.Out | EpollNative.Hup | EpollNative.Err)) != 0;
                if (registration.Listener is { } listener)
                {
                    try
                    {
                        // Output first: a drained send lets the listener read again, and a read may queue more output.
                        if (writable)
                        {
                            listener.OnWritable();
                        }

                        if (readable)
                        {
                            listener.OnReadable();
                        }
                    }
                    catch (Exception e)
                    {
                        // One socket's bug must not stop the loop that serves the others; it is reported, then that
                        // connection is given up.
                        Diagnostics.EventLoopDiagnostics.ReportFault(Name, registration.Describe(), e);
                        listener.OnFailure(e);
                    }

                    continue;
                }

                if (readable)
                {
                    registration.Readable.Signal();
                }

                if (writable)
                {
                    registration.Writable.Signal();
                }
            }

            Volatile.Write(ref _current, null);
            Volatile.Write(ref _busySince, 0);
        }
    }
}

/// <summary>
/// One socket's place in an <see cref="EpollLoop"/>: its descriptor, and either a listener that takes the edges on the
/// loop thread or the two readiness signals that wake the pumps.
/// </summary>
/// <param name="loop">The loop that will watch the socket (<see cref="EpollLoop.Add"/>).</param>
/// <param name="socket">A non-blocking socket.</param>
/// <param name="listener">Takes the edges on the loop thread; <c>null</c> to wake <see cref="Readable"/> and <see cref="Writable"/>.</param>
internal sealed class EpollRegistration(EpollLoop loop, Socket socket, IEpollListener? listener)
{
    // Created up front (never lazily: the pump and the loop thread must see the same instance), and only without a listener.
    private readonly ReadinessSignal? _readable = listener is null ? new() : null;
    private readonly ReadinessSignal? _writable = listener is null ? new() : null;

    public int Fd { get; } = (int)socket.SafeHandle.DangerousGetHandle();

    /// <summary>The loop that watches (or will watch) the socket.</summary>
    public EpollLoop Loop => loop;

    /// <summary>Takes the edges directly, when set (the inline-handler path); the signals are then never used.</summary>
    public IEpollListener? Listener { get; } = listener;

    public ReadinessSignal Readable => _readable ?? throw new InvalidOperationException("edges go to the listener");

    public ReadinessSignal Writable => _writable ?? throw new InvalidOperationException("edges go to the listener");

    /// <summary>
    /// Set once the loop has seen the peer's FIN (RDHUP), a hang-up or an error. A short read then does not mean the input
    /// is drained: the kernel reports end-of-stream or the error only on the next recv(), and with edge triggering its
    /// edge may have been merged into the one that announced the last data.
    /// </summary>
    public volatile bool InputEnding;

    private bool _unregistered;
    private bool _watchingOutput;

    /// <summary>
    /// Called by the send pump (one send at a time): on EAGAIN, watch for output edges until the send completes; the
    /// EPOLL_CTL_MOD re-checks readiness, so an edge between the EAGAIN and the call is not lost. Under the same lock as
    /// <see cref="Unregister"/>, so a MOD never reaches a descriptor number that was closed and reused meanwhile.
    /// </summary>
    public void WatchOutput(bool on)
    {
        if (_watchingOutput == on)
        {
            return;
        }

        lock (this)
        {
            if (!_unregistered)
            {
                _watchingOutput = on;
                loop.WatchOutput(this, on);
            }
        }
    }

    /// <summary>
    /// A send() said EAGAIN: watch for output edges, and re-check readiness even when already watching. A send made on a
    /// writable edge can be refused again (a spurious EAGAIN, or ENOBUFS-like pressure), and the kernel raises no later edge
    /// for a socket whose buffer never filled; the MOD's re-check delivers one if it is writable now (a real EAGAIN finds
    /// it full: no event, and the edge comes when ACKs free space). Found by bench/syscall-faults.sh; SyscallFaultTests.
    /// </summary>
    public void AwaitWritable()
    {
        lock (this)
        {
            if (!_unregistered)
            {
                _watchingOutput = true;
                loop.WatchOutput(this, true);
            }
        }
    }

    /// <summary>
    /// Asks the loop to deliver an input edge now if the socket is readable: EPOLL_CTL_MOD re-checks readiness, so bytes
    /// already waiting in the kernel produce an edge although none arrived since the last one. The direct engine uses it
    /// to hand a read to the loop thread instead of reading on the caller's (see DirectInput.ReadAsync).
    /// </summary>
    public void Rearm()
    {
        lock (this)
        {
            if (!_unregistered)
            {
                loop.WatchOutput(this, _watchingOutput);
            }
        }
    }

    /// <summary>
    /// Stops watching the socket; call before closing it. Only the first call acts: once the socket is closed its
    /// descriptor number may already belong to another connection on this loop, whose registration a second
    /// EPOLL_CTL_DEL would silently remove.
    /// </summary>
    /// <remarks>
    /// Under a lock, not a flag alone: a second caller (an abort racing the normal close) must not go on to close the socket
    /// while the first caller's EPOLL_CTL_DEL is still to come, or that DEL could hit a reused descriptor number.
    /// </remarks>
    public void Unregister()
    {
        lock (this)
        {
            if (!_unregistered)
            {
                loop.Unregister(this);
                _unregistered = true;
            }
        }
    }

    /// <summary>What the registration serves, for diagnostics: the connection (<c>#id local-&gt;remote</c>) or the socket's endpoints.</summary>
    public string Describe()
    {
        if (Listener is { } listener)
        {
            return listener.ToString() ?? "";
        }

        try
        {
            return $"{socket.LocalEndPoint}->{socket.RemoteEndPoint}";
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return $"fd {Fd} (closed)";
        }
    }

    /// <summary>After the socket is closed: wakes both pumps so that their next syscall reports the close.</summary>
    public void Close()
    {
        _readable?.Close();
        _writable?.Close();
    }
}
