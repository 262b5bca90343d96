using System.Runtime.InteropServices;
using Synack.Transport.Epoll;

namespace Synack.FunctionalTests.Infrastructure;

/// <summary>What one recv() or send() does under <see cref="ScriptedSocketCalls"/>: pass, fail with an errno, or move fewer bytes.</summary>
public readonly record struct SyscallFault(int Errno, int Limit)
{
    public static readonly SyscallFault None = new(0, int.MaxValue);

    public const int Eintr = 4;
    public const int Eagain = 11;
    public const int Enomem = 12;
    public const int Epipe = 32;
    public const int Econnreset = 104;
    public const int Enobufs = 105;

    public static SyscallFault Fail(int errno) => new(errno, 0);

    /// <summary>The call moves at most <paramref name="bytes"/> bytes (a short read or write).</summary>
    public static SyscallFault Short(int bytes) => new(0, bytes);
}

/// <summary>
/// The epoll engines' recv()/send() with faults injected at chosen call numbers (issue 14, syscall faults): the real call
/// runs unless the script says otherwise, so the bytes are real and only the kernel's answer is scripted. Call numbers
/// count from 1, per direction, over every connection that uses this instance.
/// </summary>
internal sealed class ScriptedSocketCalls(Func<int, SyscallFault>? recv = null, Func<int, SyscallFault>? send = null) : SocketCalls
{
    private int _recvCalls;
    private int _sendCalls;
    private int _injected;

    /// <summary>How many calls the script changed: a test proves its fault was really met.</summary>
    public int Injected => Volatile.Read(ref _injected);

    protected override nint Recv(int fd, Span<byte> buffer)
    {
        SyscallFault fault = recv?.Invoke(Interlocked.Increment(ref _recvCalls)) ?? SyscallFault.None;
        return Apply(fault, buffer.Length, out int limit) ? -1 : base.Recv(fd, buffer[..limit]);
    }

    protected override nint Send(int fd, ReadOnlySpan<byte> data, int flags)
    {
        SyscallFault fault = send?.Invoke(Interlocked.Increment(ref _sendCalls)) ?? SyscallFault.None;
        return Apply(fault, data.Length, out int limit) ? -1 : base.Send(fd, data[..limit], flags);
    }

    /// <summary>True when the call fails with the fault's errno; else the byte limit to pass on.</summary>
    private bool Apply(SyscallFault fault, int length, out int limit)
    {
        limit = length;
        if (fault.Errno != 0)
        {
            Interlocked.Increment(ref _injected);
            Marshal.SetLastPInvokeError(fault.Errno);
            return true;
        }

        if (fault.Limit < length && length > 0)
        {
            Interlocked.Increment(ref _injected);
            limit = Math.Max(1, fault.Limit);
        }

        return false;
    }
}
