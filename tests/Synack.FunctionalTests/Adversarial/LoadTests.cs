using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Synack.Client;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Adversarial;

/// <summary>Drain and accept storms while the server is busy: nothing acknowledged is lost, served clients are unaffected.</summary>
public sealed class LoadTests
{
    [Fact]
    public async Task DrainingUnderLoadDeliversEveryAcknowledgementTheServerSentAndReturnsInTime()
    {
        long processed = 0;
        var server = Loopback.StartServer(async c =>
        {
            while (await c.ReadLineAsync() is { } line)
            {
                Interlocked.Increment(ref processed);
                await c.SendLineAsync("ack " + line);
            }
        });

        // 20 clients, each pipelining up to 8 requests, until the server drains them away.
        var received = new long[20];
        var started = new CountdownEvent(20);
        Task[] clients = Enumerable.Range(0, 20).Select(id => Task.Run(async () =>
        {
            await using Connection c = await SynackClient.ConnectAsync(server.EndPoint());
            long sent = 0;
            bool signalled = false;
            using var readerDone = new CancellationTokenSource();
            var sending = Task.Run(async () =>
            {
                try
                {
                    while (!readerDone.IsCancellationRequested)
                    {
                        if (sent - Volatile.Read(ref received[id]) < 8)
                        {
                            await c.SendLineAsync($"{id}:{sent++}");
                        }
                        else
                        {
                            await Task.Yield();
                        }
                    }
                }
                catch (Errors.SynackException)
                {
                    // The server closed: stop sending.
                }
            });
            while (await c.ReadLineAsync() is { } ack)
            {
                Assert.Equal($"ack {id}:{received[id]}", ack); // in order, none skipped
                Interlocked.Increment(ref received[id]);
                if (!signalled && received[id] >= 10)
                {
                    signalled = true;
                    started.Signal();
                }
            }

            await readerDone.CancelAsync(); // the server finished with us: stop sending
            await sending;
        })).ToArray();

        Assert.True(started.Wait(Loopback.Patience), "clients did not get going");
        var clock = Stopwatch.StartNew();
        DrainResult result = await server.StopAsync(TimeSpan.FromSeconds(5)).Within();
        clock.Stop();
        await Task.WhenAll(clients).Within();

        Assert.Equal(Interlocked.Read(ref processed), received.Sum()); // every ack the server sent was delivered
        Assert.Equal(20, result.Drained + result.Aborted);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"StopAsync took {clock.Elapsed}");
    }

    [Fact]
    public async Task AnAcceptStormDoesNotDisturbAClientBeingServed()
    {
        await using var server = Loopback.StartServer(async c =>
        {
            while (await c.ReadLineAsync() is { } line)
            {
                await c.SendLineAsync(line);
            }
        });
        await using Connection served = await SynackClient.ConnectAsync(server.EndPoint());

        // 300 connects at once, each closed right away (half of them with RST), while the served client keeps talking.
        Task storm = Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
        {
            using Socket s = await Loopback.ConnectRawAsync(server.EndPoint());
            if (i % 2 == 0)
            {
                s.Reset();
            }
        }));
        for (int i = 0; i < 200; i++)
        {
            await served.SendLineAsync($"line {i}");
            Assert.Equal($"line {i}", await served.ReadLineAsync().Within());
        }

        await storm.Within();
        await Loopback.Until(() => server.ActiveConnections == 1);
        Assert.Equal(0, server.RejectedConnections);
    }
}
