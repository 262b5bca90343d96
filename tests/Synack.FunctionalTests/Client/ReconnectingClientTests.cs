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
        Assert.Equal(ErrorKind.Closed, sendWhileDown.Kind);

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

    private static T Take<T>(BlockingCollection<T> items)
    {
        Assert.True(items.TryTake(out T? item, Loopback.Patience), "event not raised in time");
        return item!;
    }
}
