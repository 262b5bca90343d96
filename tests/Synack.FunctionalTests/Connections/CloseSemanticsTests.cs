using System.Net.Sockets;
using System.Text;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;

namespace Synack.FunctionalTests.Connections;

public sealed class CloseSemanticsTests
{
    [Fact]
    public async Task AbortSendsRstAndPeerSeesConnectionReset()
    {
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            await c.ReadLineAsync();
            c.Abort();
        });
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync("hello\n"u8.ToArray());

        var error = await Assert.ThrowsAsync<SocketException>(() => client.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
        Assert.Equal(CloseReason.LocalAbort, await (await serverSide.Task.Within()).ClosedWithin());
    }

    [Fact]
    public async Task APeerResetEndsTheConnectionCompletelyEvenIfTheApplicationNeverClosesIt()
    {
        var accepted = new TaskCompletionSource<Socket>();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(1);
        Connection client = await Synack.Client.SynackClient.ConnectAsync((System.Net.IPEndPoint)listener.LocalEndPoint!);
        using (Socket peer = await listener.AcceptAsync().WaitAsync(Loopback.Patience))
        {
            peer.Reset();
        }

        // Nobody reads, writes or closes: the reset alone must release the socket and complete Closed.
        Assert.Equal(CloseReason.RemoteReset, await client.ClosedWithin());
        var error = await Assert.ThrowsAsync<Errors.SynackException>(() => client.SendAsync("late"u8.ToArray()).AsTask());
        Assert.Equal(Errors.ErrorKind.Reset, error.Kind);
    }

    [Fact]
    public async Task CloseAsyncDeliversEveryByteEvenWithUnreadInputAndSendsFinNotRst()
    {
        // The classic trap: close() with unread bytes in the receive buffer makes Linux send RST, destroying the reply
        // still in flight. CloseAsync drains input until the peer's FIN, so the peer gets all of it and a clean EOF.
        byte[] reply = Enumerable.Range(0, 1024 * 1024).Select(i => (byte)(i * 7)).ToArray();
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            await c.ReadLineAsync();
            await c.SendAsync(reply);
            await c.CloseAsync();
        });
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync("request\n"u8.ToArray());
        await client.SendAsync(new byte[200_000]); // the server never reads these

        byte[] received = await client.ReadToEndAsync();
        Assert.Equal(reply, received);
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(CloseReason.LocalClose, await (await serverSide.Task.Within()).ClosedWithin());
    }

    [Fact]
    public async Task ClientHalfClosesAfterRequestAndStillReadsTheFullResponse()
    {
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            var lines = new List<string>();
            while (await c.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }

            // Only after the client's FIN do we know the request is complete: answer with a large reply.
            string body = string.Concat(Enumerable.Repeat(string.Join(",", lines) + "\n", 20_000));
            await c.SendAsync(Encoding.UTF8.GetBytes(body));
        });

        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint()).Within();
        await client.SendLineAsync("alpha");
        await client.SendLineAsync("beta");
        await client.CompleteOutputAsync().Within();

        int count = 0;
        while (await client.ReadLineAsync().Within() is { } line)
        {
            Assert.Equal("alpha,beta", line);
            count++;
        }

        Assert.Equal(20_000, count);
        Assert.Equal(CloseReason.LocalHalfCloseThenRemoteFin, await client.ClosedWithin());
        Assert.Equal(CloseReason.RemoteFin, await (await serverSide.Task.Within()).ClosedWithin());
    }

    [Fact]
    public async Task PeerFinIsACleanEndOfStreamNotAnError()
    {
        var result = new TaskCompletionSource<(string? Line, string? Next)>();
        await using var server = Loopback.StartServer(async c =>
        {
            string? first = await c.ReadLineAsync();
            string? next = await c.ReadLineAsync();
            result.SetResult((first, next));
        });
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync("only line\n"u8.ToArray());
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal(("only line", (string?)null), await result.Task.Within());
    }

    [Fact]
    public async Task WritingToAResetPeerFailsWithAClassifiedErrorAndNeverCrashes()
    {
        var failure = new TaskCompletionSource<SynackException>();
        var serverSide = new TaskCompletionSource<Connection>();
        var peerGone = new TaskCompletionSource();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            await peerGone.Task;
            try
            {
                byte[] chunk = new byte[64 * 1024];
                for (int i = 0; i < 10_000; i++)
                {
                    await c.SendAsync(chunk);
                }
            }
            catch (SynackException e)
            {
                failure.SetResult(e);
            }
        });
        Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        Connection serverConnection = await serverSide.Task.Within();
        client.Reset();
        peerGone.SetResult();

        SynackException error = await failure.Task.Within();
        Assert.True(error.IsConnectionLost, error.ToString());
        Assert.Equal("write", error.Operation);
        Assert.Equal(CloseReason.RemoteReset, await serverConnection.ClosedWithin());
    }

    /// <summary>A server whose handler parks in ReadLineAsync and reports how that read ended.</summary>
    private static (Synack.Server.SynackServer Server, Task<Connection> Connection, Task<Exception> PendingRead) StartServerWithPendingRead()
    {
        var pending = new TaskCompletionSource<Exception>();
        var serverSide = new TaskCompletionSource<Connection>();
        var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            try
            {
                await c.ReadLineAsync();
            }
            catch (Exception e)
            {
                pending.SetResult(e);
            }
        });
        return (server, serverSide.Task, pending.Task);
    }

    [Fact]
    public async Task PendingReadFailsPromptlyWithClosedWhenAnotherTaskAborts()
    {
        var (server, serverSide, pendingRead) = StartServerWithPendingRead();
        await using var _ = server;
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        (await serverSide.Within()).Abort();

        var error = Assert.IsType<SynackException>(await pendingRead.Within());
        Assert.Equal(ErrorKind.Closed, error.Kind);
    }

    [Fact]
    public async Task PendingReadFailsPromptlyWithClosedWhenAnotherTaskClosesGracefully()
    {
        var (server, serverSide, pendingRead) = StartServerWithPendingRead();
        await using var _ = server;
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        Task<CloseReason> closing = (await serverSide.Within()).CloseAsync();

        var error = Assert.IsType<SynackException>(await pendingRead.Within());
        Assert.Equal(ErrorKind.Closed, error.Kind);
        Assert.Empty(await client.ReadToEndAsync()); // the peer sees our FIN
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(CloseReason.LocalClose, await closing.Within());
    }

    [Fact]
    public async Task ASendBlockedByBackpressureFailsPromptlyWithClosedWhenAnotherTaskAborts()
    {
        var blocked = new TaskCompletionSource<Task>();
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            byte[] chunk = new byte[256 * 1024];
            while (true)
            {
                ValueTask send = c.SendAsync(chunk);
                if (!send.IsCompleted)
                {
                    // The client never reads: kernel buffers and the pending-send cap are full, this send waits.
                    Task pending = send.AsTask();
                    blocked.SetResult(pending);
                    await pending.ContinueWith(_ => { });
                    return;
                }

                await send;
            }
        }, o => o.Connection.SendBufferSize = 64 * 1024);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        client.ReceiveBufferSize = 64 * 1024;

        Task pendingSend = await blocked.Task.Within();
        (await serverSide.Task.Within()).Abort();

        var error = await Assert.ThrowsAsync<SynackException>(() => pendingSend.Within());
        Assert.Equal(ErrorKind.Closed, error.Kind);
    }

    [Fact]
    public async Task ConcurrentAbortCloseAndDisposeRecordExactlyOneReasonAndAllComplete()
    {
        for (int round = 0; round < 20; round++)
        {
            var serverSide = new TaskCompletionSource<Connection>();
            await using var server = Loopback.StartServer(c =>
            {
                serverSide.SetResult(c);
                return c.Closed;
            });
            using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
            Connection connection = await serverSide.Task.Within();

            var racers = new List<Task>();
            for (int i = 0; i < 6; i++)
            {
                racers.Add(Task.Run(() => connection.CloseAsync()));
                racers.Add(Task.Run(() => connection.Abort()));
                racers.Add(Task.Run(async () => await connection.DisposeAsync()));
            }

            await Task.WhenAll(racers).Within();
            CloseReason reason = await connection.ClosedWithin();
            Assert.Contains(reason, new[] { CloseReason.LocalClose, CloseReason.LocalAbort });
            Assert.Equal(reason, connection.CloseReason);
        }
    }

    [Fact]
    public async Task CloseAsyncAbortsWithRstWhenThePeerNeverSendsFinWithinTheCloseTimeout()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = Loopback.StartServer(c =>
        {
            serverSide.SetResult(c);
            return c.Closed;
        }, time: time);
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        Connection connection = await serverSide.Task.Within();

        Task<CloseReason> closing = connection.CloseAsync();
        Assert.Empty(await client.ReadToEndAsync()); // our FIN arrived; the client deliberately never answers with its own
        Assert.False(closing.IsCompleted);
        time.Advance(connection.Options.CloseTimeout);

        Assert.Equal(CloseReason.LocalClose, await closing.Within());
        // The abort reached the client as RST: its socket is dead (ECONNRESET, or EPIPE as Linux reports in CLOSE_WAIT).
        var error = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            await client.SendAsync(new byte[1]);
            await client.ReceiveAsync(new byte[1]);
            await client.SendAsync(new byte[1]);
        });
        Assert.Contains(error.SocketErrorCode, new[] { SocketError.ConnectionReset, SocketError.Shutdown });
    }
}
