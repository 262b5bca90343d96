using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Server;

namespace Synack.FunctionalTests.Server;

public sealed class DrainTests
{
    [Fact]
    public async Task StopRefusesNewConnectsFinishesInFlightFramesClosesIdleOnesAndAbortsTheRestAtTheDeadline()
    {
        var time = new FakeTimeProvider();
        var reasons = new System.Collections.Concurrent.ConcurrentDictionary<string, CloseReason>();
        var busyStarted = new TaskCompletionSource();
        var stuckStarted = new TaskCompletionSource();
        var connected = new CountdownEvent(3);
        var server = Loopback.StartServer(async c =>
        {
            connected.Signal();
            while (await c.ReadLineAsync() is { } line)
            {
                if (line == "stuck")
                {
                    stuckStarted.SetResult();
                    await Task.Delay(Timeout.Infinite, c.ConnectionClosed).ContinueWith(_ => { });
                    reasons["stuck"] = c.CloseReason;
                    return;
                }

                await c.SendLineAsync("ok " + line);
            }

            reasons[c.RemoteEndPoint.ToString()!] = c.CloseReason;
        }, time: time);

        using Socket idle = await Loopback.ConnectRawAsync(server.EndPoint());
        using Socket busy = await Loopback.ConnectRawAsync(server.EndPoint());
        using Socket stuck = await Loopback.ConnectRawAsync(server.EndPoint());
        Assert.True(connected.Wait(Loopback.Patience));
        await stuck.SendAsync("stuck\n"u8.ToArray());
        await stuckStarted.Task.Within();
        await busy.SendAsync("half a fra"u8.ToArray()); // mid-frame when the drain starts

        Task<DrainResult> stopping = server.StopAsync(TimeSpan.FromSeconds(10));

        // New connects are refused at once.
        var refused = await Assert.ThrowsAsync<SocketException>(() => Loopback.ConnectRawAsync(server.EndPoint()));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        // The idle connection is closed gracefully: the client reads EOF and answers with its FIN.
        Assert.Empty(await idle.ReadToEndAsync());
        idle.Shutdown(SocketShutdown.Send);

        // The busy connection finishes its frame and gets its reply, then EOF.
        await busy.SendAsync("me\n"u8.ToArray());
        Assert.Equal("ok half a frame\n"u8.ToArray(), await busy.ReadToEndAsync());
        busy.Shutdown(SocketShutdown.Send);

        // The stuck handler ignores the drain: it is aborted (RST) once the deadline passes.
        Assert.False(stopping.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(10));
        DrainResult result = await stopping.Within();
        var error = await Assert.ThrowsAsync<SocketException>(() => stuck.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);

        Assert.Equal(new DrainResult(2, 1, TimeSpan.FromSeconds(10)), result);
        Assert.Equal(CloseReason.ServerDrain, reasons["stuck"]);
        Assert.Equal(0, server.ActiveConnections);
    }

    [Fact]
    public async Task StopReturnsWithinTheTimeoutPlusOneSecondOnTheRealClock()
    {
        var server = Loopback.StartServer(async c =>
        {
            await Task.Delay(Timeout.Infinite, c.ConnectionClosed).ContinueWith(_ => { });
        });
        var clients = new List<Socket>();
        for (int i = 0; i < 20; i++)
        {
            clients.Add(await Loopback.ConnectRawAsync(server.EndPoint()));
        }

        while (server.ActiveConnections < 20)
        {
            await Task.Yield();
        }

        var watch = Stopwatch.StartNew();
        DrainResult result = await server.StopAsync(TimeSpan.FromMilliseconds(500)).Within();
        watch.Stop();

        Assert.Equal(20, result.Aborted);
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(1500), $"drain took {watch.Elapsed}");
        clients.ForEach(c => c.Dispose());
    }
}
