using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;

namespace Synack.FunctionalTests.Connections;

public sealed class SendAndReceiveTests
{
    [Fact]
    public async Task ReadLineTakesACancellationTokenWithoutNamingItAndStateKeptInItemsLastsForTheConnection()
    {
        using var stop = new CancellationTokenSource();
        var seen = new TaskCompletionSource<(string? First, object? Kept, bool Cancelled)>();
        var firstRead = new TaskCompletionSource();
        await using var server = Loopback.StartServer(async c =>
        {
            c.Items["nick"] = await c.ReadLineAsync(stop.Token); // the token alone, positionally (issue 15)
            firstRead.SetResult();
            bool cancelled = false;
            try
            {
                await c.ReadLineAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
            }

            seen.SetResult(("read", c.Items["nick"], cancelled));
        });

        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync("ada\n"u8.ToArray());
        await firstRead.Task.Within();
        stop.Cancel(); // the second read waits for a line that never comes

        (string? _, object? kept, bool wasCancelled) = await seen.Task.Within();
        Assert.Equal("ada", kept);
        Assert.True(wasCancelled);
    }

    [Fact]
    public async Task ReadExactlyNeverReturnsShortWhenBytesTrickleInOneAtATime()
    {
        byte[] payload = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var received = new TaskCompletionSource<byte[]>();
        await using var server = Loopback.StartServer(async c =>
        {
            byte[] buffer = new byte[payload.Length];
            Assert.True(await c.ReadExactlyAsync(buffer));
            received.SetResult(buffer);
        });
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        foreach (byte b in payload)
        {
            await client.SendAsync(new[] { b });
        }

        Assert.Equal(payload, await received.Task.Within());
    }

    [Fact]
    public async Task ReadExactlyReportsATruncatedFrameWhenThePeerClosesPartWay()
    {
        var outcome = new TaskCompletionSource<Exception>();
        await using var server = Loopback.StartServer(async c =>
        {
            try
            {
                await c.ReadExactlyAsync(new byte[10]);
            }
            catch (Exception e)
            {
                outcome.SetResult(e);
            }
        });
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync(new byte[4]);
        client.Shutdown(SocketShutdown.Send);

        var error = Assert.IsType<SynackException>(await outcome.Task.Within());
        Assert.Equal(ErrorKind.TruncatedFrame, error.Kind);
    }

    [Fact]
    public async Task ReadLineRejectsALineLongerThanTheMaximumAndResetsThatConnection()
    {
        var outcome = new TaskCompletionSource<Exception>();
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            try
            {
                await c.ReadLineAsync(maxLength: 100);
            }
            catch (Exception e)
            {
                outcome.SetResult(e);
            }
        });
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        await client.SendAsync(new byte[5000]);

        var error = Assert.IsType<SynackException>(await outcome.Task.Within());
        Assert.Equal(ErrorKind.LimitExceeded, error.Kind);
        Assert.Equal(CloseReason.LimitExceeded, await (await serverSide.Task.Within()).ClosedWithin());
    }

    [Fact]
    public async Task ConcurrentSendsFromManyTasksNeverInterleaveFrames()
    {
        const int Senders = 8;
        const int FramesPerSender = 100;
        var done = new TaskCompletionSource();
        await using var server = Loopback.StartServer(async c =>
        {
            var senders = Enumerable.Range(0, Senders).Select(sender => Task.Run(async () =>
            {
                var random = new Random(sender);
                for (int i = 0; i < FramesPerSender; i++)
                {
                    // frame: [4-byte length][sender id repeated length times]
                    int length = random.Next(1, 20_000);
                    byte[] frame = new byte[4 + length];
                    BinaryPrimitives.WriteInt32BigEndian(frame, length);
                    frame.AsSpan(4).Fill((byte)sender);
                    await c.SendAsync(frame);
                }
            }));
            await Task.WhenAll(senders);
            await done.Task;
        });

        await using Connection client = await SynackClient.ConnectAsync(server.EndPoint()).Within();
        var counts = new int[Senders];
        byte[] header = new byte[4];
        for (int n = 0; n < Senders * FramesPerSender; n++)
        {
            Assert.True(await client.ReadExactlyAsync(header).Within());
            byte[] body = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
            Assert.True(await client.ReadExactlyAsync(body).Within());
            byte sender = body[0];
            Assert.All(body, b => Assert.Equal(sender, b));
            counts[sender]++;
        }

        Assert.All(counts, c => Assert.Equal(FramesPerSender, c));
        done.SetResult();
    }

    [Fact]
    public async Task SendAfterLocalCloseFailsWithClosed()
    {
        var outcome = new TaskCompletionSource<Exception>();
        await using var server = Loopback.StartServer(async c =>
        {
            c.CompleteOutput();
            try
            {
                await c.SendAsync(new byte[1]);
            }
            catch (Exception e)
            {
                outcome.SetResult(e);
            }
        });
        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());

        var error = Assert.IsType<SynackException>(await outcome.Task.Within());
        Assert.Equal(ErrorKind.Closed, error.Kind);
    }

    [Fact]
    public async Task AFloodingPeerIsPausedByBackpressureInsteadOfGrowingServerMemory()
    {
        var release = new TaskCompletionSource();
        var serverSide = new TaskCompletionSource<Connection>();
        await using var server = Loopback.StartServer(async c =>
        {
            serverSide.SetResult(c);
            await release.Task; // the handler does not read: received bytes pile up to the read cap, no further
            long total = 0;
            while (true)
            {
                var result = await c.Input.ReadAsync();
                total += result.Buffer.Length;
                c.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await c.SendAsync(BitConverter.GetBytes(total));
        }, o => o.Connection.MaxReadBufferSize = 64 * 1024);

        using Socket client = await Loopback.ConnectRawAsync(server.EndPoint());
        client.Blocking = false;
        byte[] chunk = new byte[64 * 1024];
        long sent = 0;
        // Send until the kernel buffers are full: the server stopped reading at its 64 KiB cap.
        for (int i = 0; i < 10_000; i++)
        {
            try
            {
                sent += client.Send(chunk);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                break;
            }
        }

        Connection connection = await serverSide.Task.Within();
        Assert.True(sent < 10_000L * chunk.Length, "the server never pushed back");
        client.Blocking = true;
        release.SetResult();
        client.Shutdown(SocketShutdown.Send);
        byte[] reply = await client.ReadExactlyAsync(8);
        Assert.Equal(sent, BitConverter.ToInt64(reply));
        Assert.Equal(CloseReason.RemoteFin, await connection.ClosedWithin());
    }
}
