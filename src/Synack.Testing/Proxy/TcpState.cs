using System.Net.Sockets;

namespace Synack.Testing.Proxy;

/// <summary>
/// Tells a peer's RST from its FIN after <c>recv()</c> has returned 0, for a proxy that must mirror each faithfully.
/// </summary>
/// <remarks>
/// Linux reports a received RST once, as ECONNRESET, to whichever call on the socket comes first. When the proxy's
/// other direction is sending to that peer at that moment, its <c>send()</c> takes the error and the pending
/// <c>recv()</c> returns 0, which looks like FIN: the proxy then forwarded FIN to its client before mirroring the RST,
/// and the client saw a clean end of stream (AdversarialTests' sliced oversize prefix failed once in CI on epoll, stop
/// 22). The socket's TCP state still tells them apart: FIN leaves CLOSE_WAIT, RST leaves CLOSE. CLOSE is also reached
/// after both FINs when this side closed second (LAST_ACK), so the check only counts while this side has not sent FIN.
/// </remarks>
internal static class TcpState
{
    private const int SolTcp = 6;
    private const int TcpInfo = 11;
    private const byte TcpClose = 7; // include/net/tcp_states.h

    /// <summary>True when <paramref name="socket"/>'s connection was ended by a reset, where the OS can say.</summary>
    public static bool EndedByReset(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        Span<byte> info = stackalloc byte[8]; // struct tcp_info begins with the one-byte tcpi_state
        try
        {
            return socket.GetRawSocketOption(SolTcp, TcpInfo, info) >= 1 && info[0] == TcpClose;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
