using System.Runtime.InteropServices;

namespace Synack.Transport;

/// <summary>
/// The process's file-descriptor budget on Linux (issue 14, "at the descriptor limit the process dies"): the soft
/// <c>RLIMIT_NOFILE</c>, raising it to the hard limit, and how many descriptors are certainly in use. Off Linux (and in a
/// 32-bit process, where <c>rlim_t</c> is 32 bits) every call reports "unknown" and changes nothing.
/// </summary>
internal static partial class Descriptors
{
    private const int RlimitNofile = 7; // RLIMIT_NOFILE on x86-64, arm64 and the other generic-ABI architectures

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    private static bool Supported => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>The soft limit: open() and accept() fail with EMFILE once this many descriptors are open; -1 if unknown.</summary>
    public static long SoftLimit()
    {
        if (!Supported || GetRLimit(RlimitNofile, out RLimit limit) != 0)
        {
            return -1;
        }

        return limit.Current > long.MaxValue ? long.MaxValue : (long)limit.Current;
    }

    /// <summary>
    /// Raises the soft limit to the hard limit, as Go's runtime does at start-up since Go 1.19 (os/rlimit.go): the soft
    /// limit exists for programs that use select(), whose fd_set holds 1,024 descriptors; .NET never calls select().
    /// Returns the (new) soft limit, or -1 if unknown. Never lowers it; a failure leaves it as it was.
    /// </summary>
    public static long RaiseSoftLimitToHard()
    {
        if (!Supported || GetRLimit(RlimitNofile, out RLimit limit) != 0)
        {
            return -1;
        }

        if (limit.Current < limit.Max)
        {
            RLimit raised = limit with { Current = limit.Max };
            if (SetRLimit(RlimitNofile, in raised) == 0)
            {
                limit = raised;
            }
        }

        return limit.Current > long.MaxValue ? long.MaxValue : (long)limit.Current;
    }

    /// <summary>
    /// A lower bound on the descriptors open in this process: the kernel gives a new descriptor the lowest free number
    /// (POSIX), so when a probe gets N, descriptors 0 to N-1 are all in use. The probe is an eventfd (close-on-exec from
    /// birth, so a concurrent fork and exec cannot inherit it), closed at once. Returns <see cref="long.MaxValue"/> when
    /// none is free (EMFILE, ENFILE), -1 when unknown.
    /// </summary>
    public static long InUseAtLeast()
    {
        if (!Supported)
        {
            return -1;
        }

        int probe = EventFd(0, EfdCloexec);
        if (probe < 0)
        {
            return Marshal.GetLastPInvokeError() is 24 or 23 ? long.MaxValue : -1;
        }

        Close(probe);
        return probe;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    private const int EfdCloexec = 0x80000; // EFD_CLOEXEC = O_CLOEXEC

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
