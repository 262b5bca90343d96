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

    /// <summary>
    /// The listening sockets for one endpoint: one bound here (<see cref="Create"/>), or for an
    /// <see cref="Server.InheritedEndPoint"/> the inherited sockets it names (<c>systemd:</c> may name several).
    /// </summary>
    public static IEnumerable<Socket> CreateAll(EndPoint endPoint, int backlog, bool reusePort, bool dualMode)
    {
        if (endPoint is not Server.InheritedEndPoint inherited)
        {
            return [Create(endPoint, backlog, reusePort, dualMode)];
        }

        try
        {
            int[] descriptors = inherited.Descriptor is { } fd ? [fd] : Server.SystemdSockets.Take(inherited.Name).Select(s => s.Descriptor).ToArray();
            return descriptors.Select(d => Adopt(d, inherited)).ToArray();
        }
        catch (InvalidOperationException e)
        {
            throw new SynackException(ErrorKind.Other, "listen", e.Message, endPoint, null, SocketError.Success, e);
        }
    }

    /// <summary>
    /// Wraps an inherited descriptor: it must be a listening stream socket. Marked close-on-exec, as sd_listen_fds does,
    /// so a child process does not hold it open.
    /// </summary>
    private static Socket Adopt(int descriptor, EndPoint endPoint)
    {
        Socket socket;
        try
        {
            socket = new Socket(new SafeSocketHandle(descriptor, ownsHandle: true));
        }
        catch (SocketException e)
        {
            throw new SynackException(ErrorKind.Other, "listen", $"descriptor {descriptor} is not a socket ({e.SocketErrorCode})", endPoint, null, e.SocketErrorCode, e);
        }

        if (socket.SocketType != SocketType.Stream || socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection) is 0 or false)
        {
            socket.Dispose();
            throw new SynackException(ErrorKind.Other, "listen", $"descriptor {descriptor} is not a listening stream socket", endPoint);
        }

        CloseOnExec.Set(descriptor);
        return socket;
    }

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
