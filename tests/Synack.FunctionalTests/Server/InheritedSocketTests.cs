using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Synack.Client;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Server;

/// <summary>
/// Listening on a socket the process was handed (<c>fd:N</c>, what systemd socket activation passes as <c>systemd:</c>):
/// the same listener on either transport. The end-to-end systemd case, in a child process, is in the CLI tests.
/// </summary>
public sealed class InheritedSocketTests
{
    public static TheoryData<SynackTransport> Transports => new() { SynackTransport.Sockets, SynackTransport.Epoll };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AServerListensOnAnInheritedDescriptorAndServesAClientThatConnectedBeforeItStarted(SynackTransport transport)
    {
        using var made = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        made.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        made.Listen(16);
        var endPoint = (IPEndPoint)made.LocalEndPoint!;

        // Queued in the backlog before any server runs: what a restart under socket activation looks like to a client.
        await using Connection early = await SynackClient.ConnectAsync(endPoint);
        await early.SendLineAsync("early");

        int descriptor = Dup((int)made.Handle); // the server owns (and closes) its own descriptor for the socket
        Assert.True(descriptor >= 3);
        var options = new ServerOptions { Transport = transport };
        options.Listen(InheritedEndPoint.FromDescriptor(descriptor));
        await using (var server = SynackServer.Start(options, Loopback.LineEcho))
        {
            Assert.Equal(endPoint, server.LocalEndPoints.Single());
            Assert.Equal("early", await early.ReadLineAsync().Within());
            await using Connection late = await SynackClient.ConnectAsync(endPoint);
            await late.SendLineAsync("late");
            Assert.Equal("late", await late.ReadLineAsync().Within());
            Assert.Equal(transport, server.Transport);
            await early.CloseAsync().Within(); // before the drain, which would wait for its FIN
        }
    }

    [Fact]
    public void ADescriptorThatIsNotAListeningSocketFailsTheStartWithAListenError()
    {
        using var unbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var options = new ServerOptions();
        options.Listen(InheritedEndPoint.FromDescriptor(Dup((int)unbound.Handle)));
        var error = Assert.Throws<Synack.Errors.SynackException>(() => SynackServer.Start(options, Loopback.LineEcho));
        Assert.Equal("listen", error.Operation);
        Assert.Contains("not a listening stream socket", error.Message);
    }

    [Fact]
    public void SystemdWithoutPassedSocketsFailsTheStartSayingWhy()
    {
        var options = new ServerOptions();
        options.Listen("systemd:");
        var error = Assert.Throws<Synack.Errors.SynackException>(() => SynackServer.Start(options, Loopback.LineEcho));
        Assert.Contains("systemd passed no sockets", error.Message);
    }

#pragma warning disable SYSLIB1054 // DllImport: LibraryImport would need unsafe code in the test project for one call
    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int fd);
#pragma warning restore SYSLIB1054
}
