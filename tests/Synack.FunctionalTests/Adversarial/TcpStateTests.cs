using System.Net;
using System.Net.Sockets;
using Synack.Testing.Proxy;

namespace Synack.FunctionalTests.Adversarial;

/// <summary>
/// The fault proxy's RST-or-FIN check (stop 23): after recv() returned 0, a reset whose ECONNRESET another call took is
/// still told from a FIN, over real loopback sockets.
/// </summary>
public sealed class TcpStateTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AResetWhoseErrorASendTookIsStillAResetAfterRecvReturnsZero()
    {
        (Socket local, Socket peer) = await PairAsync();
        using (local)
        {
            peer.Close(0); // SO_LINGER 0: RST
            Assert.True(local.Poll(Bound, SelectMode.SelectRead)); // the RST has arrived

            var send = Assert.Throws<SocketException>(() => local.Send(new byte[1]));
            Assert.Equal(SocketError.ConnectionReset, send.SocketErrorCode); // the send took the error...
            Assert.Equal(0, local.Receive(new byte[16]));                    // ...so recv() reads it as an end of stream

            Assert.Equal(OperatingSystem.IsLinux(), TcpState.EndedByReset(local)); // (elsewhere it cannot tell, and says no)
        }
    }

    [Fact]
    public async Task AFinIsNotAReset()
    {
        (Socket local, Socket peer) = await PairAsync();
        using (local)
        using (peer)
        {
            peer.Shutdown(SocketShutdown.Send);
            Assert.True(local.Poll(Bound, SelectMode.SelectRead));
            Assert.Equal(0, local.Receive(new byte[16]));

            Assert.False(TcpState.EndedByReset(local));
        }
    }

    private static async Task<(Socket Local, Socket Peer)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var local = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task connecting = local.ConnectAsync(listener.LocalEndPoint!);
        Socket peer = await listener.AcceptAsync().WaitAsync(Bound);
        await connecting.WaitAsync(Bound);
        return (local, peer);
    }
}
