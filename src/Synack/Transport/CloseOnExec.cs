using System.Runtime.InteropServices;

namespace Synack.Transport;

/// <summary>FD_CLOEXEC on a descriptor this process inherited (the runtime sets it on every descriptor it makes itself).</summary>
internal static partial class CloseOnExec
{
    private const int FGetFd = 1, FSetFd = 2, FdCloexec = 1; // fcntl.h

    /// <summary>Sets FD_CLOEXEC; off Unix, or if fcntl fails, the descriptor is left as it is.</summary>
    public static void Set(int descriptor)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            int flags = Fcntl(descriptor, FGetFd, 0);
            if (flags >= 0 && (flags & FdCloexec) == 0)
            {
                _ = Fcntl(descriptor, FSetFd, flags | FdCloexec);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);
}
