using System.Net;
using System.Net.Sockets;
using System.Text;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Unix;

/// <summary>Unix domain sockets as listen and connect endpoints, with the same Connection API as TCP.</summary>
public sealed class UnixSocketTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"synack-{Guid.NewGuid():N}.sock");

    public void Dispose()
    {
        if (File.Exists(_path))
        {
            File.Delete(_path);
        }
    }

    /// <summary>
    /// Leaves a socket file nobody listens on at the test's path, as a killed server does. (.NET unlinks the path a socket
    /// bound when it is disposed, so the socket is bound elsewhere and its file moved into place first.)
    /// </summary>
    private void LeaveStaleSocketFile(bool listen)
    {
        string elsewhere = _path + ".tmp";
        using (var crashed = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            crashed.Bind(new UnixDomainSocketEndPoint(elsewhere));
            if (listen)
            {
                crashed.Listen();
            }

            File.Move(elsewhere, _path);
        }

        Assert.True(File.Exists(_path));
    }

    [Fact]
    public async Task OneServerServesTcpAndAUnixSocketWithTheSameHandlerAndConnectionApi()
    {
        await using var server = SynackServer.Start(new ServerOptions().Listen(IPAddress.Loopback, 0).ListenUnixSocket(_path), Loopback.LineEcho);

        var unix = Assert.IsType<UnixDomainSocketEndPoint>(server.LocalEndPoints[1]);
        Assert.Equal(_path, unix.ToString());
        await using Connection viaUnix = await SynackClient.ConnectAsync(unix);
        await using Connection viaTcp = await SynackClient.ConnectAsync(server.EndPoint());
        await viaUnix.SendLineAsync("over unix");
        await viaTcp.SendLineAsync("over tcp");

        Assert.Equal("over unix", await viaUnix.ReadLineAsync().AsTask().WaitAsync(Loopback.Patience));
        Assert.Equal("over tcp", await viaTcp.ReadLineAsync().AsTask().WaitAsync(Loopback.Patience));
        Assert.IsType<UnixDomainSocketEndPoint>(viaUnix.RemoteEndPoint);
    }

    [Fact]
    public async Task HalfCloseOverAUnixSocketLetsTheServerAnswerAfterEndOfInput()
    {
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = SynackServer.Start(new ServerOptions().ListenUnixSocket(_path), async c =>
        {
            serverSide.TrySetResult(c);
            byte[] all = await c.ReadAllInputAsync();
            await c.SendAsync(Encoding.ASCII.GetBytes($"got {all.Length} bytes"));
        });

        await using Connection client = await SynackClient.ConnectAsync(new UnixDomainSocketEndPoint(_path));
        await client.SendAsync(new byte[100_000]);
        await client.CompleteOutputAsync();

        Assert.Equal("got 100000 bytes", Encoding.ASCII.GetString(await client.ReadAllInputAsync()));
        Assert.Equal(CloseReason.LocalHalfCloseThenRemoteFin, await client.CloseAsync().WaitAsync(Loopback.Patience));
        Connection accepted = await serverSide.Task.WaitAsync(Loopback.Patience);
        Assert.Equal(CloseReason.RemoteFin, await accepted.Closed.WaitAsync(Loopback.Patience));
    }

    [Fact]
    public async Task AStaleSocketFileLeftByACrashedServerIsReplaced()
    {
        LeaveStaleSocketFile(listen: true);

        await using var server = SynackServer.Start(new ServerOptions().ListenUnixSocket(_path), Loopback.LineEcho);

        await using Connection client = await SynackClient.ConnectAsync(new UnixDomainSocketEndPoint(_path));
        await client.SendLineAsync("fresh");
        Assert.Equal("fresh", await client.ReadLineAsync().AsTask().WaitAsync(Loopback.Patience));
    }

    [Fact]
    public async Task ALiveServersSocketFileIsNotTakenOverAndItKeepsServing()
    {
        await using var first = SynackServer.Start(new ServerOptions().ListenUnixSocket(_path), Loopback.LineEcho);

        var error = Assert.Throws<SynackException>(() => SynackServer.Start(new ServerOptions().ListenUnixSocket(_path), Loopback.LineEcho));

        Assert.Equal(ErrorKind.AddressInUse, error.Kind);
        Assert.StartsWith($"listen unix {_path}", error.Message);
        await using Connection client = await SynackClient.ConnectAsync(new UnixDomainSocketEndPoint(_path));
        await client.SendLineAsync("still mine");
        Assert.Equal("still mine", await client.ReadLineAsync().AsTask().WaitAsync(Loopback.Patience));
    }

    [Fact]
    public void ARegularFileAtTheSocketPathIsNeverDeleted()
    {
        File.WriteAllText(_path, "precious");

        var error = Assert.Throws<SynackException>(() => SynackServer.Start(new ServerOptions().ListenUnixSocket(_path), Loopback.LineEcho));

        Assert.Equal(ErrorKind.AddressInUse, error.Kind);
        Assert.Equal("precious", File.ReadAllText(_path));
    }

    [Fact]
    public async Task StoppingTheServerRemovesItsSocketFileAndNewConnectsFail()
    {
        var server = SynackServer.Start(new ServerOptions().ListenUnixSocket(_path), Loopback.LineEcho);
        Assert.True(File.Exists(_path));

        await server.StopAsync(TimeSpan.FromSeconds(5)).WaitAsync(Loopback.Patience);

        Assert.False(File.Exists(_path));
        var error = await Assert.ThrowsAsync<SynackException>(() => SynackClient.ConnectAsync(new UnixDomainSocketEndPoint(_path)));
        Assert.Equal(ErrorKind.Unreachable, error.Kind);
        Assert.Contains("no such socket file", error.Message);
    }

    [Fact]
    public async Task ConnectingToASocketFileNobodyListensOnFailsAsRefused()
    {
        LeaveStaleSocketFile(listen: false);

        var error = await Assert.ThrowsAsync<SynackException>(() => SynackClient.ConnectAsync(new UnixDomainSocketEndPoint(_path)));

        Assert.Equal(ErrorKind.Refused, error.Kind);
        Assert.StartsWith($"connect unix {_path} : connection refused", error.Message);
    }

    [Fact]
    public async Task DrainOverAUnixSocketClosesAnIdleConnectionWithEndOfStream()
    {
        await using var server = SynackServer.Start(new ServerOptions().ListenUnixSocket(_path), async c =>
        {
            while (await c.ReadLineAsync() is { } line)
            {
                await c.SendLineAsync(line.ToUpperInvariant());
            }
        });
        await using Connection client = await SynackClient.ConnectAsync(new UnixDomainSocketEndPoint(_path));
        await client.SendLineAsync("before drain");
        Assert.Equal("BEFORE DRAIN", await client.ReadLineAsync().AsTask().WaitAsync(Loopback.Patience));

        DrainResult drain = await server.StopAsync(TimeSpan.FromSeconds(20)).WaitAsync(Loopback.Patience);

        Assert.Equal((1, 0), (drain.Drained, drain.Aborted));
        Assert.Null(await client.ReadLineAsync().AsTask().WaitAsync(Loopback.Patience)); // end of stream: FIN, not an error
    }
}
