using System.Net.Sockets;

namespace Synack.Cli.Probe;

/// <summary>The socket options in effect on a connected socket, read back from the kernel.</summary>
internal static class SocketReport
{
    private const int IpProtoTcp = 6;
    private const int TcpUserTimeout = 18;

    /// <summary>One line: TCP_NODELAY, keepalive and its timers, TCP_USER_TIMEOUT (Linux), buffer sizes.</summary>
    public static string Describe(Socket socket)
    {
        if (socket.AddressFamily == AddressFamily.Unix)
        {
            // No TCP underneath: no Nagle, keepalive or user timeout to report, only the buffers.
            return $"SO_RCVBUF {socket.ReceiveBufferSize} · SO_SNDBUF {socket.SendBufferSize}";
        }

        var parts = new List<string>
        {
            $"TCP_NODELAY {OnOff(socket.NoDelay)}",
            Keepalive(socket),
        };
        if (OperatingSystem.IsLinux())
        {
            Span<byte> value = stackalloc byte[4];
            socket.GetRawSocketOption(IpProtoTcp, TcpUserTimeout, value);
            int ms = BitConverter.ToInt32(value);
            parts.Add(ms == 0 ? "TCP_USER_TIMEOUT off" : $"TCP_USER_TIMEOUT {ms / 1000.0:0.###} s");
        }

        parts.Add($"SO_RCVBUF {socket.ReceiveBufferSize}");
        parts.Add($"SO_SNDBUF {socket.SendBufferSize}");
        parts.Add($"SO_LINGER {(socket.LingerState is { Enabled: true } l ? $"{l.LingerTime} s" : "off")}");
        return string.Join(" · ", parts);
    }

    private static string Keepalive(Socket socket)
    {
        bool on = (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive)! != 0;
        if (!on)
        {
            return "SO_KEEPALIVE off";
        }

        object idle = socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime)!;
        object interval = socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval)!;
        object count = socket.GetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount)!;
        return $"SO_KEEPALIVE on (idle {idle} s, interval {interval} s, {count} probes)";
    }

    private static string OnOff(bool value) => value ? "on" : "off";
}
