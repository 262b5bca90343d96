using System.Runtime.InteropServices;

namespace Synack.Transport;

internal static partial class UnixSocketFile
{
    private const int AtFdCwd = -100;             // AT_FDCWD
    private const int AtSymlinkNoFollow = 0x100;  // AT_SYMLINK_NOFOLLOW
    private const uint StatxType = 0x1;           // STATX_TYPE
    private const int StatxModeOffset = 28;       // struct statx: stx_mode (u16), the same on every architecture
    private const int FileTypeMask = 0xF000;      // S_IFMT
    private const int SocketFileType = 0xC000;    // S_IFSOCK

    /// <summary>
    /// True only when <paramref name="path"/> is a socket (S_ISSOCK, read with statx(2)), so that nothing else is ever
    /// deleted: connect() to a regular file also fails with ECONNREFUSED. Off Linux: false (stale files are then left to
    /// the user, and bind reports AddressInUse).
    /// </summary>
    private static bool IsSocket(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[256]; // sizeof(struct statx)
        return Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, ref MemoryMarshal.GetReference(buffer)) == 0
            && (BitConverter.ToUInt16(buffer[StatxModeOffset..]) & FileTypeMask) == SocketFileType;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, ref byte buffer);
}
