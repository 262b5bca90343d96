using System.Net;
using System.Net.Sockets;
using Synack.Errors;

namespace Synack.Transport;

/// <summary>Creates listening sockets: rebinding through TIME_WAIT by default, port sharing only when asked.</summary>
internal static class ListenSocket
{
    private const int SolSocket = 1;      // Linux SOL_SOCKET
    private const int SoReuseAddr = 2;    // Linux SO_REUSEADDR
    private const int SoReusePort = 15;   // Linux SO_REUSEPORT

    /// <summary>Binds and listens. Throws <see cref="SynackException"/> (kind <see cref="ErrorKind.AddressInUse"/> when taken).</summary>
    /// <remarks>
    /// .NET's <see cref="SocketOptionName.ReuseAddress"/> sets SO_REUSEADDR <em>and</em> SO_REUSEPORT on Unix, which would let
    /// a second server silently share the port. Synack sets the two raw options separately instead: SO_REUSEADDR always
    /// (bind succeeds while old connections sit in TIME_WAIT), SO_REUSEPORT only when <paramref name="reusePort"/> is true.
    /// </remarks>
    public static Socket Create(EndPoint endPoint, int backlog, bool reusePort, bool dualMode)
    {
        Socket socket = endPoint switch
        {
            IPEndPoint ip => new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp),
            UnixDomainSocketEndPoint unix => UnixSocketFile.PrepareToBind(unix),
            _ => throw new ArgumentException($"cannot listen on a {endPoint.GetType().Name}", nameof(endPoint)),
        };
        try
        {
            if (endPoint is IPEndPoint ip)
            {
                ConfigureTcp(socket, ip, reusePort, dualMode);
            }

            socket.Bind(endPoint);
            socket.Listen(backlog);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw SocketErrors.FromSocketError(e.SocketErrorCode, "listen", endPoint, null, e);
        }
    }

    private static void ConfigureTcp(Socket socket, IPEndPoint endPoint, bool reusePort, bool dualMode)
    {
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            socket.DualMode = dualMode && endPoint.Address.Equals(IPAddress.IPv6Any);
        }

        if (OperatingSystem.IsLinux())
        {
            SetFlag(socket, SoReuseAddr, true);
            SetFlag(socket, SoReusePort, reusePort);
        }
        else if (reusePort)
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }
    }

    private static void SetFlag(Socket socket, int option, bool on) =>
        socket.SetRawSocketOption(SolSocket, option, BitConverter.GetBytes(on ? 1 : 0));
}
