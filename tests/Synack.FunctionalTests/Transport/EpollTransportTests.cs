using System.Net;
using System.Net.Sockets;
using Synack.Client;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Transport;

/// <summary>
/// The epoll transport by name (CI also runs the whole functional and CLI suites with SYNACK_TRANSPORT=epoll).
/// These pin down what is particular to it: inline handlers on the loop threads, backpressure through output edges, and
/// descriptor reuse after aborts.
/// </summary>
public sealed class EpollTransportTests
{
    private static SynackServer StartEpoll(ConnectionHandler handler, Action<ServerOptions>? configure = null) =>
        Loopback.StartServer(handler, o =>
        {
            o.Transport = SynackTransport.Epoll;
            configure?.Invoke(o);
        });

    [Fact]
    public async Task AHandlerOnTheEpollTransportResumesOnItsLoopThreadWithoutAThreadPoolHop()
    {
        // A read that finds its bytes already buffered completes on the handler's own thread; one that waits resumes on
        // the thread that delivered the bytes: on this transport, an epoll loop thread (on the sockets transport, never).
        var threads = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        await using var server = StartEpoll(async c =>
        {
            while (await c.ReadLineAsync() is { } line)
            {
                threads.Enqueue(Thread.CurrentThread.Name);
                await c.SendLineAsync(line);
            }
        });
        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint());
        for (int i = 0; i < 20; i++)
        {
            await client.SendLineAsync($"ping {i}");
            Assert.Equal($"ping {i}", await client.ReadLineAsync().Within());
        }

        Assert.Contains(threads, name => name?.StartsWith("synack-epoll-", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task ManyClientsStreamingMoreThanTheSocketBuffersHoldGetEveryByteBackInOrder()
    {
        // 16 clients x 4 MiB: far more than the kernel buffers hold, so sends hit EAGAIN and wait for output edges,
        // and the read cap pauses input (backpressure) on the server side.
        await using var server = StartEpoll(ConnectionHandlers.Echo);
        await Loopback.StreamThroughEchoAsync(server.EndPoint(), clients: 16, size: 4 << 20);
    }

    [Fact]
    public async Task AbortedConnectionsNeverTakeTheirReusedDescriptorNumberWithThemAndNewClientsAreServed()
    {
        // Aborting closes the socket; its descriptor number is reused at once by the next accept. A second deregistration
        // of the old number (once a real bug) would silently stop events for the new connection, which would then hang.
        await using var server = StartEpoll(async c =>
        {
            string? line = await c.ReadLineAsync();
            if (line == "abort")
            {
                c.Abort();
                return;
            }

            await c.SendLineAsync(line ?? "");
            await c.ReadLineAsync();
        });

        for (int round = 0; round < 200; round++)
        {
            using (Socket doomed = await Loopback.ConnectRawAsync(server.EndPoint()))
            {
                await doomed.SendAsync("abort\n"u8.ToArray());
                await Assert.ThrowsAsync<SocketException>(() => doomed.ReadToEndAsync()); // RST
            }

            await using Connection client = await SynackClient.ConnectAsync(server.EndPoint());
            await client.SendLineAsync($"round {round}");
            Assert.Equal($"round {round}", await client.ReadLineAsync().Within());
        }
    }

    [Fact]
    public async Task TlsAndProxyProtocolListenersFallBackToTheSocketsTransport()
    {
        var thread = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = StartEpoll(async c =>
        {
            await c.ReadLineAsync();
            thread.TrySetResult(Thread.CurrentThread.Name);
        }, o => o.ProxyProtocol = new Synack.ProxyProtocol.ProxyProtocolOptions { AllowDirectConnections = true });
        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint());
        await client.SendLineAsync("hello");

        string? name = await thread.Task.Within();
        Assert.False(name?.StartsWith("synack-epoll-", StringComparison.Ordinal) ?? false);
    }

    [Fact]
    public async Task TheAutoTransportServesInlineHandlersOnEpollAndAsyncHandlersHeartbeatsAndTlsOnSockets()
    {
        static ServerOptions Auto(Action<ServerOptions>? configure = null)
        {
            var options = new ServerOptions { Transport = SynackTransport.Auto }.Listen(IPAddress.Loopback, 0);
            configure?.Invoke(options);
            return options;
        }

        await using var inline = SynackServer.Start(Auto(), InlineHandlers.Echo);
        await using var async = SynackServer.Start(Auto(), ConnectionHandlers.Echo);
        await using var heartbeat = SynackServer.Start(
            Auto(o => o.Connection.Heartbeat = new Heartbeat(TimeSpan.FromSeconds(10), "\n"u8.ToArray())), InlineHandlers.Echo);
        await using var proxied = SynackServer.Start(
            Auto(o => o.ProxyProtocol = new Synack.ProxyProtocol.ProxyProtocolOptions { AllowDirectConnections = true }), InlineHandlers.Echo);

        Assert.Equal(SynackTransport.Epoll, inline.Transport); // an inline handler promises not to block: the fast path
        Assert.Equal(SynackTransport.Sockets, async.Transport); // an async handler might block: never on a loop thread by default
        Assert.Equal(SynackTransport.Sockets, heartbeat.Transport);
        Assert.Equal(SynackTransport.Sockets, proxied.Transport);
        await using var chosen = SynackServer.Start(Auto(o => o.Transport = SynackTransport.Epoll), ConnectionHandlers.Echo);
        Assert.Equal(SynackTransport.Epoll, chosen.Transport); // the application's explicit choice stands

        foreach (SynackServer server in new[] { inline, async, heartbeat, proxied, chosen })
        {
            await using Connection client = await SynackClient.ConnectAsync(server.EndPoint());
            await client.SendLineAsync("hello");
            Assert.Equal("hello", await client.ReadLineAsync().Within());
        }
    }
}
