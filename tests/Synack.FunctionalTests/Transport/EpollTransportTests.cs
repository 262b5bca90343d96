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
    public async Task AProxyProtocolListenerRunsOnTheEpollTransportToo()
    {
        // As in the test above: the first read may find its bytes already buffered (and complete on the handler's own
        // thread); a later one that waits resumes on the loop thread that read the bytes after the header.
        var threads = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        await using var server = StartEpoll(async c =>
        {
            while (await c.ReadLineAsync() is { } line)
            {
                threads.Enqueue(Thread.CurrentThread.Name);
                await c.SendLineAsync($"{line} from {c.ClientEndPoint}");
            }
        }, o => o.ProxyProtocol = new Synack.ProxyProtocol.ProxyProtocolOptions().Trust(IPNetwork.Parse("127.0.0.0/8")));
        using Socket proxy = await Loopback.ConnectRawAsync(server.EndPoint());
        await proxy.SendAsync("PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\n"u8.ToArray());
        for (int i = 0; i < 20; i++)
        {
            await proxy.SendAsync(System.Text.Encoding.ASCII.GetBytes($"ping {i}\n"));
            string expected = $"ping {i} from 203.0.113.7:40000\n";
            Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(await proxy.ReadExactlyAsync(expected.Length).Within()));
        }

        Assert.Equal(SynackTransport.Epoll, server.Transport);
        Assert.Contains(threads, name => name?.StartsWith("synack-epoll-", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task TheAutoTransportServesInlineHandlersOnEpollWhateverTheirPreambleOrHeartbeatAndAsyncHandlersOnSockets()
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
        Assert.Equal(SynackTransport.Epoll, heartbeat.Transport); // the inline engine sends heartbeats itself (issue 12)
        Assert.Equal(SynackTransport.Epoll, proxied.Transport); // the PROXY header is read with the loop's recv() (issue 12)
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
