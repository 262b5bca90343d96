using System.Net.Sockets;
using Synack.Connections;

namespace Synack.Transport;

/// <summary>Applies <see cref="ConnectionOptions"/> to a socket. OS-specific options live in their own files (<c>*.Linux.cs</c>).</summary>
internal static class SocketConfigurator
{
    /// <summary>Applies every option that is set; options the platform lacks are skipped, never faked.</summary>
    /// <remarks>On Unix domain sockets the TCP options (NoDelay, keepalive, TCP_USER_TIMEOUT) do not exist and are skipped.</remarks>
    public static void Apply(Socket socket, ConnectionOptions options)
    {
        if (socket.AddressFamily == AddressFamily.Unix)
        {
            ApplyBuffers(socket, options);
            return;
        }

        socket.NoDelay = options.NoDelay;

        KeepAliveOptions keepAlive = options.KeepAlive;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, keepAlive.Enabled);
        if (keepAlive.Enabled)
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, (int)keepAlive.Idle.TotalSeconds);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, (int)keepAlive.Interval.TotalSeconds);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, keepAlive.Count);
        }

        if (OperatingSystem.IsLinux())
        {
            LinuxTcp.SetUserTimeout(socket, keepAlive.Enabled ? keepAlive.EffectiveUserTimeout : keepAlive.UserTimeout ?? TimeSpan.Zero);
        }

        if (options.Linger is { } linger)
        {
            socket.LingerState = new LingerOption(true, (int)linger.TotalSeconds);
        }

        ApplyBuffers(socket, options);
    }

    private static void ApplyBuffers(Socket socket, ConnectionOptions options)
    {
        if (options.SendBufferSize is { } send)
        {
            socket.SendBufferSize = send;
        }

        if (options.ReceiveBufferSize is { } receive)
        {
            socket.ReceiveBufferSize = receive;
        }
    }

    /// <summary>Sets SO_LINGER to 0 so that closing the socket sends RST and drops unsent data. Tolerates a closed socket.</summary>
    public static void SetAbortiveLinger(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            // Already closed: there is nothing left to reset.
        }
    }
}
