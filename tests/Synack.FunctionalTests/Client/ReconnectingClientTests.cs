using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Client;

public sealed class ReconnectingClientTests
{
    /// <summary>Echoes raw bytes and ignores drain requests, so a zero-timeout stop kills its connections with RST.</summary>
    private static readonly ConnectionHandler Stubborn = async c =>
    {
        while (true)
        {
            var read = await c.Input.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in read.Buffer)
            {
                c.Output.Write(segment.Span);
            }

            c.Input.AdvanceTo(read.Buffer.End);
            await c.Output.FlushAsync();
            if (read.IsCompleted)
            {
                return;
            }
        }
    };

    [Fact]
    public async Task WhenTheServerIsKilledTheClientSeesTheResetBacksOffAndReconnectsToTheRestartedServer()
    {
        var time = new FakeTimeProvider();
        var server = Loopback.StartServer(Stubborn);
        IPEndPoint endPoint = server.EndPoint();
        var replies = new ConcurrentQueue<string>();
        var events = new BlockingCollection<string>();
        var waits = new BlockingCollection<(TimeSpan Wait, SynackException? Error)>();

        await using var client = new ReconnectingClient("127.0.0.1", endPoint.Port, async (c, stop) =>
        {
            while (await c.ReadLineAsync(cancellationToken: stop) is { } line)
            {
                replies.Enqueue(line);
            }
        }, new ConnectOptions { TimeProvider = time }, new Backoff(random: new Random(1)));
        client.Connected += c => events.Add("connected");
        client.Disconnected += (c, reason) => events.Add($"disconnected {reason}");
        client.Reconnecting += (wait, error) => waits.Add((wait, error));
        client.Start();

        Assert.Equal("connected", Take(events));
        await client.SendAsync("one\n"u8.ToArray());
        await Loopback.Until(() => replies.Contains("one"));

        // Kill the server: its connections are aborted (RST) at once.
        await server.StopAsync(TimeSpan.Zero).Within();
        Assert.Equal("disconnected RemoteReset", Take(events));
        var sendWhileDown = await Assert.ThrowsAsync<SynackException>(() => client.SendAsync("lost\n"u8.ToArray()).AsTask());
        Assert.Equal(ErrorKind.NotConnected, sendWhileDown.Kind);
        Assert.Contains("not connected", sendWhileDown.Message);

        // First wait: about 1 s (± 20 %). The server is still down, so that attempt is refused and the wait grows.
        (TimeSpan first, SynackException? none) = Take(waits);
        Assert.Null(none);
        Assert.InRange(first.TotalSeconds, 0.8, 1.2);
        time.Advance(first);
        (TimeSpan second, SynackException? refused) = Take(waits);
        Assert.Equal(ErrorKind.Refused, refused!.Kind);
        Assert.InRange(second.TotalSeconds, 1.6 * 0.8, 1.6 * 1.2);

        // Restart on the same port (rebinding through TIME_WAIT); the next attempt connects and the session resumes.
        await using var restarted = SynackServer.Start(new ServerOptions().Listen(endPoint), Loopback.LineEcho);
        time.Advance(second);
        Assert.Equal("connected", Take(events));
        Assert.Equal(2, client.Connects);
        await client.SendAsync("two\n"u8.ToArray());
        await Loopback.Until(() => replies.Contains("two"));
    }

    [Fact]
    public async Task DisposingStopsReconnectingAndClosesTheLiveConnectionGracefully()
    {
        await using var server = Loopback.StartServer(Loopback.LineEcho);
        var connected = new TaskCompletionSource<Connection>();
        var client = new ReconnectingClient("127.0.0.1", server.EndPoint().Port, (c, stop) => Task.Delay(Timeout.Infinite, stop));
        client.Connected += c => connected.TrySetResult(c);
        client.Start();
        Connection connection = await connected.Task.Within();

        await client.DisposeAsync().AsTask().Within();

        Assert.Equal(CloseReason.LocalClose, connection.CloseReason);
        Assert.Null(client.Current);
        Assert.Equal(1, client.Connects);
    }

    [Fact]
    public async Task DisposingAnnouncesNoFurtherReconnectAttempt()
    {
        await using var server = Loopback.StartServer(Loopback.LineEcho);
        var connected = new TaskCompletionSource();
        var announced = new ConcurrentQueue<TimeSpan>();
        var client = new ReconnectingClient(server.EndPoint(), (c, stop) => Task.Delay(Timeout.Infinite, stop));
        client.Connected += _ => connected.TrySetResult();
        client.Reconnecting += (wait, _) => announced.Enqueue(wait);
        client.Start();
        await connected.Task.Within();

        await client.DisposeAsync().AsTask().Within(); // the session ends because of the dispose: that is no reason to retry

        Assert.Empty(announced);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.WaitForConnectedAsync());
    }

    [Fact]
    public async Task ASendBeforeTheFirstConnectSaysNotConnectedAndWaitingForTheConnectionThenLetsItThrough()
    {
        var time = new FakeTimeProvider();
        int port = Loopback.UnusedPort();
        var waits = new BlockingCollection<TimeSpan>();
        var lines = new ConcurrentQueue<string>();
        await using var client = new ReconnectingClient(new IPEndPoint(IPAddress.Loopback, port), async (c, stop) =>
        {
            while (await c.ReadLineAsync(stop) is { } line)
            {
                lines.Enqueue(line);
            }
        }, new ConnectOptions { TimeProvider = time }, new Backoff(random: new Random(1)));
        client.Reconnecting += (wait, _) => waits.Add(wait);
        client.Start();
        Task<Connection> up = client.WaitForConnectedAsync();

        TimeSpan first = Take(waits); // the first attempt was refused: nobody listens yet
        var early = await Assert.ThrowsAsync<SynackException>(() => client.SendLineAsync("early").AsTask());
        Assert.Equal(ErrorKind.NotConnected, early.Kind);
        Assert.Contains("not connected", early.Message);
        Assert.DoesNotContain("already closed", early.Message);
        Assert.False(up.IsCompleted);

        await using var server = SynackServer.Start(new ServerOptions().Listen(IPAddress.Loopback, port), Loopback.LineEcho);
        time.Advance(first);
        Connection connection = await up.Within();
        Assert.Same(connection, await client.WaitForConnectedAsync().Within());
        await client.SendLineAsync("hello");
        await client.WriteFrameAsync(new Synack.Framing.LineCodec(Synack.Framing.LineEnding.Lf), "framed"u8.ToArray().AsMemory());
        await Loopback.Until(() => lines.Contains("hello") && lines.Contains("framed"));
    }

    private static T Take<T>(BlockingCollection<T> items)
    {
        Assert.True(items.TryTake(out T? item, Loopback.Patience), "event not raised in time");
        return item!;
    }
}
