using System.Net.Sockets;
using System.Runtime.Versioning;

namespace Synack.Transport;

/// <summary>Linux-only TCP socket options that .NET does not expose: TCP_USER_TIMEOUT and TCP_INFO's state.</summary>
[SupportedOSPlatform("linux")]
internal static class LinuxTcp
{
    private const int IpProtoTcp = 6;
    private const int TcpInfoOption = 11;
    private const int TcpUserTimeoutOption = 18;
    private const byte TcpClose = 7;

    /// <summary>
    /// Sets TCP_USER_TIMEOUT (Linux 2.6.37+, RFC 5482): how long sent data may remain unacknowledged before the kernel
    /// drops the connection. Zero restores the kernel default (disabled).
    /// </summary>
    public static void SetUserTimeout(Socket socket, TimeSpan timeout) =>
        socket.SetRawSocketOption(IpProtoTcp, TcpUserTimeoutOption, BitConverter.GetBytes(checked((int)timeout.TotalMilliseconds)));

    /// <summary>Reads TCP_USER_TIMEOUT back (for diagnostics and tests).</summary>
    public static TimeSpan GetUserTimeout(Socket socket)
    {
        Span<byte> value = stackalloc byte[4];
        socket.GetRawSocketOption(IpProtoTcp, TcpUserTimeoutOption, value);
        return TimeSpan.FromMilliseconds(BitConverter.ToInt32(value));
    }

    /// <summary>
    /// True when TCP_INFO reports TCP_CLOSE. Right after <c>recv()</c> returned 0 on a socket that has not sent FIN, this
    /// tells a reset (the kernel moved it to CLOSE) from a FIN (CLOSE_WAIT): another thread's <c>send()</c> may already
    /// have consumed the ECONNRESET, leaving <c>recv()</c> to report a plain end-of-stream.
    /// </summary>
    public static bool IsClosed(Socket socket)
    {
        Span<byte> info = stackalloc byte[8];
        try
        {
            return socket.GetRawSocketOption(IpProtoTcp, TcpInfoOption, info) >= 1 && info[0] == TcpClose;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
