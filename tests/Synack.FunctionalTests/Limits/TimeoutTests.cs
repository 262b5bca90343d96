using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Limits;

/// <summary>Idle, frame-read, data-rate and send timeouts over real sockets, driven by a fake clock.</summary>
public sealed class TimeoutTests
{

    /// <summary>A line-echo server whose connections are captured by the client's port, so a test can watch them.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        public readonly FakeTimeProvider Time = new();
        public readonly ConcurrentDictionary<int, Connection> Connections = new();
        public readonly ConcurrentDictionary<int, Exception?> HandlerErrors = new();
        public readonly SynackServer Server;

        public Harness(Action<ConnectionOptions> configure, ConnectionHandler? handler = null)
        {
            var options = new ConnectionOptions { IdleTimeout = Timeout.InfiniteTimeSpan, FrameReadTimeout = Timeout.InfiniteTimeSpan,
                SendTimeout = Timeout.InfiniteTimeSpan, MinReceiveRate = null, MinSendRate = null };
            configure(options);
            Server = Loopback.StartServer(async c =>
            {
                int port = ((System.Net.IPEndPoint)c.RemoteEndPoint).Port;
                Connections[port] = c;
                try
                {
                    await (handler ?? EchoLines)(c);
                    HandlerErrors[port] = null;
                }
                catch (Exception e)
                {
                    HandlerErrors[port] = e;
                    throw;
                }
            }, o => o.Connection = options, Time);
        }

        public async Task<(Socket Client, Connection Server)> ConnectAsync()
        {
            Socket client = await Loopback.ConnectRawAsync(Server.EndPoint());
            int port = ((System.Net.IPEndPoint)client.LocalEndPoint!).Port;
            await Loopback.Until(() => Connections.ContainsKey(port));
            return (client, Connections[port]);
        }

        public async ValueTask DisposeAsync()
        {
            Task stopping = Server.StopAsync(TimeSpan.Zero);
            Time.Advance(TimeSpan.FromSeconds(2)); // past the drain's give-up deadline, on the fake clock
            await stopping.Within();
        }

        private static async Task EchoLines(Connection c)
        {
            while (await c.ReadLineAsync() is { } line)
            {
                await c.SendLineAsync(line);
            }
        }
    }

    /// <summary>Frames must arrive within 30 s and at 100 B/s or more after a 5 s grace.</summary>
    private static void AtLeast100BytesPerSecondPerFrame(ConnectionOptions o)
    {
        o.FrameReadTimeout = TimeSpan.FromSeconds(30);
        o.MinReceiveRate = new DataRate(100, TimeSpan.FromSeconds(5));
    }

    /// <summary>A handler that sends until its sends fail; the test's client never reads.</summary>
    private static async Task PushForever(Connection c)
    {
        byte[] chunk = new byte[64 * 1024];
        while (true)
        {
            await c.SendAsync(chunk); // backpressure first, then sends blocked by the peer
        }
    }

    [Fact]
    public async Task AConnectionWithNoTrafficIsClosedWithFinAfterTheIdleTimeoutAndNotBefore()
    {
        await using var h = new Harness(o => o.IdleTimeout = TimeSpan.FromSeconds(10));
        (Socket client, Connection server) = await h.ConnectAsync();
        using (client)
        {
            await client.SendAsync("hi\n"u8.ToArray());
            Assert.Equal("hi\n"u8.ToArray(), await client.ReadExactlyAsync(3));

            h.Time.Advance(TimeSpan.FromSeconds(9));
            Assert.Equal(CloseReason.None, server.CloseReason);

            h.Time.Advance(TimeSpan.FromSeconds(2));
            Assert.Equal(CloseReason.Timeout, server.CloseReason);
            Assert.Empty(await client.ReadToEndAsync()); // FIN: a graceful close, not a reset
        }
    }

    [Fact]
    public async Task TrafficKeepsAConnectionAlivePastTheIdleTimeout()
    {
        await using var h = new Harness(o => o.IdleTimeout = TimeSpan.FromSeconds(10));
        (Socket client, Connection server) = await h.ConnectAsync();
        using (client)
        {
            for (int i = 0; i < 5; i++)
            {
                h.Time.Advance(TimeSpan.FromSeconds(6));
                await client.SendAsync("ping\n"u8.ToArray());
                Assert.Equal("ping\n"u8.ToArray(), await client.ReadExactlyAsync(5));
            }

            Assert.Equal(CloseReason.None, server.CloseReason); // 30 s of fake time, never 10 s silent
        }
    }

    [Fact]
    public async Task ASlowlorisFrameIsAbortedAfterTheFrameReadTimeoutWhileOtherClientsAreServed()
    {
        await using var h = new Harness(o => o.FrameReadTimeout = TimeSpan.FromSeconds(30));
        (Socket slow, Connection slowOnServer) = await h.ConnectAsync();
        (Socket good, _) = await h.ConnectAsync();
        using (slow)
        using (good)
        {
            await slow.SendAsync("GET / HTTP/1.1 and never a line end"u8.ToArray());
            await Loopback.Until(() => slowOnServer.IsFrameIncomplete);

            h.Time.Advance(TimeSpan.FromSeconds(29));
            Assert.Equal(CloseReason.None, slowOnServer.CloseReason);
            h.Time.Advance(TimeSpan.FromSeconds(2));

            Assert.Equal(CloseReason.Timeout, slowOnServer.CloseReason);
            var reset = await Assert.ThrowsAsync<SocketException>(() => slow.ReadToEndAsync());
            Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
            await good.SendAsync("still here\n"u8.ToArray());
            Assert.Equal("still here\n"u8.ToArray(), await good.ReadExactlyAsync(11));
        }
    }

    [Fact]
    public async Task APeerTricklingAFrameBelowTheMinimumRateIsAbortedAfterTheGracePeriod()
    {
        await using var h = new Harness(AtLeast100BytesPerSecondPerFrame);
        (Socket slow, Connection server) = await h.ConnectAsync();
        using (slow)
        {
            // One byte per fake second: far below 100 B/s, caught after the 5 s grace, long before the 30 s frame timeout.
            int seconds = 0;
            while (server.CloseReason == CloseReason.None && seconds < 20)
            {
                await slow.SendAsync("x"u8.ToArray());
                long expected = seconds + 1;
                await Loopback.Until(() => server.BytesReceived >= expected && server.IsFrameIncomplete);
                h.Time.Advance(TimeSpan.FromSeconds(1));
                seconds++;
            }

            Assert.Equal(CloseReason.Timeout, server.CloseReason);
            Assert.InRange(seconds, 6, 7);
        }
    }

    [Fact]
    public async Task AFastPeerSendingALargeFrameIsNotMistakenForASlowOne()
    {
        await using var h = new Harness(AtLeast100BytesPerSecondPerFrame);
        (Socket client, Connection server) = await h.ConnectAsync();
        using (client)
        {
            await client.SendAsync(new byte[4000].Select(_ => (byte)'a').ToArray()); // 4,000 bytes of an unfinished line
            await Loopback.Until(() => server.BytesReceived == 4000 && server.IsFrameIncomplete);
            h.Time.Advance(TimeSpan.FromSeconds(10)); // 400 B/s average: above the minimum
            await client.SendAsync("\n"u8.ToArray());

            Assert.Equal(4001, (await client.ReadExactlyAsync(4001)).Length);
            Assert.Equal(CloseReason.None, server.CloseReason);
        }
    }

    [Fact]
    public async Task ASlowReaderIsAbortedByTheSendRateRuleAndTheHandlersSendFailsClassified()
    {
        var pushing = new TaskCompletionSource();
        await using var h = new Harness(
            o =>
            {
                o.MinSendRate = new DataRate(1000, TimeSpan.FromSeconds(5));
                o.SendBufferSize = 16 * 1024;
            },
            async c =>
            {
                pushing.TrySetResult();
                await PushForever(c);
            });
        (Socket client, Connection server) = await h.ConnectAsync();
        using (client)
        {
            client.ReceiveBufferSize = 16 * 1024;
            await pushing.Task.Within();
            await Loopback.Until(() => server.IsSendBlocked);
            long sentWhenBlocked = server.BytesSent;

            h.Time.Advance(TimeSpan.FromSeconds(4));
            Assert.Equal(CloseReason.None, server.CloseReason); // within the grace period
            h.Time.Advance(TimeSpan.FromSeconds(3));

            Assert.Equal(CloseReason.Timeout, server.CloseReason);
            int port = ((System.Net.IPEndPoint)client.LocalEndPoint!).Port;
            await Loopback.Until(() => h.HandlerErrors.ContainsKey(port));
            Assert.IsType<SynackException>(h.HandlerErrors[port]);
            Assert.InRange(server.BytesSent - sentWhenBlocked, 0, 4 * 1024 * 1024); // bounded: nothing grew without limit
        }
    }

    [Fact]
    public async Task SendsBlockedLongerThanTheSendTimeoutAbortTheConnection()
    {
        await using var h = new Harness(
            o => o.SendTimeout = TimeSpan.FromSeconds(20),
            PushForever);
        (Socket client, Connection server) = await h.ConnectAsync();
        using (client)
        {
            await Loopback.Until(() => server.IsSendBlocked);
            h.Time.Advance(TimeSpan.FromSeconds(19));
            Assert.Equal(CloseReason.None, server.CloseReason);
            h.Time.Advance(TimeSpan.FromSeconds(2));
            Assert.Equal(CloseReason.Timeout, server.CloseReason);
        }
    }

    [Fact]
    public async Task AHeartbeatGoesOutWhenNothingWasSentForItsIntervalAndNotWhileTrafficFlows()
    {
        await using var h = new Harness(o => o.Heartbeat = new Heartbeat(TimeSpan.FromSeconds(5), "\n"u8.ToArray()));
        (Socket client, Connection server) = await h.ConnectAsync();
        using (client)
        {
            // Traffic every 3 s: the echoes are all that arrive.
            for (int i = 0; i < 3; i++)
            {
                h.Time.Advance(TimeSpan.FromSeconds(3));
                await client.SendAsync("x\n"u8.ToArray());
                Assert.Equal("x\n"u8.ToArray(), await client.ReadExactlyAsync(2));

                // The echo can reach us before the server's send pump records the send's (fake) time; advancing the
                // clock before that would make the watchdog see 5 s of silence and send a heartbeat (seen once in CI).
                await Loopback.Until(() => server.BytesSent == 2 * (i + 1));
            }

            // Then silence: one heartbeat per interval.
            h.Time.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal("\n"u8.ToArray(), await client.ReadExactlyAsync(1));
            await Loopback.Until(() => server.BytesSent == 7);
            h.Time.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal("\n"u8.ToArray(), await client.ReadExactlyAsync(1));
            Assert.Equal(CloseReason.None, server.CloseReason);
        }
    }

    [Fact]
    public async Task ALongTransferThatKeepsProgressingOutlivesTheSendTimeout()
    {
        await using var h = new Harness(
            o =>
            {
                o.SendTimeout = TimeSpan.FromSeconds(20);
                o.MinSendRate = new DataRate(240, TimeSpan.FromSeconds(5));
            },
            PushForever);
        (Socket client, Connection server) = await h.ConnectAsync();
        using (client)
        {
            // Every 3 fake seconds the client takes 64 KiB: sends stall and resume, for 150 fake seconds in all.
            byte[] sink = new byte[64 * 1024];
            for (int i = 0; i < 50; i++)
            {
                await Loopback.Until(() => server.IsSendBlocked);
                long before = server.BytesSent;
                while (server.BytesSent - before < 64 * 1024)
                {
                    await client.ReceiveAsync(sink.AsMemory(), SocketFlags.None).AsTask().WaitAsync(Loopback.Patience);
                }

                h.Time.Advance(TimeSpan.FromSeconds(3));
                Assert.Equal(CloseReason.None, server.CloseReason);
            }
        }
    }
}
