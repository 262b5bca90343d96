using System.Net.Sockets;
using System.Runtime.Versioning;

namespace Synack.Transport;

/// <summary>TCP_USER_TIMEOUT (Linux 2.6.37+, RFC 5482): milliseconds that sent data may remain unacknowledged.</summary>
[SupportedOSPlatform("linux")]
internal static class TcpUserTimeout
{
    private const int IpProtoTcp = 6;
    private const int TcpUserTimeoutOption = 18;

    /// <summary>Sets the timeout; zero restores the kernel default (disabled).</summary>
    public static void Set(Socket socket, TimeSpan timeout) =>
        socket.SetRawSocketOption(IpProtoTcp, TcpUserTimeoutOption, BitConverter.GetBytes(checked((int)timeout.TotalMilliseconds)));

    /// <summary>Reads the timeout back (for diagnostics and tests).</summary>
    public static TimeSpan Get(Socket socket)
    {
        Span<byte> value = stackalloc byte[4];
        socket.GetRawSocketOption(IpProtoTcp, TcpUserTimeoutOption, value);
        return TimeSpan.FromMilliseconds(BitConverter.ToInt32(value));
    }
}
