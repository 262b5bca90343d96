using System.Text;
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
    public async Task AHandlerLearnsWhetherItsInputEndedByTheDrainOrByThePeersFin()
    {
        var ended = new System.Collections.Concurrent.ConcurrentQueue<(CloseReason During, CloseReason After)>();
        var reading = new CountdownEvent(2);
        var server = Loopback.StartServer(async c =>
        {
            await c.SendLineAsync("hi");
            reading.Signal();
            while (await c.ReadLineAsync() is not null)
            {
            }

            CloseReason during = c.InputEndReason;
            await c.SendLineAsync("bye"); // still allowed: the drain lets the handler finish its reply
            ended.Enqueue((during, c.CloseReason));
        });

        using Socket finishing = await Loopback.ConnectRawAsync(server.EndPoint());
        await finishing.ReadExactlyAsync(3);
        finishing.Shutdown(SocketShutdown.Send); // this one ends by the peer's FIN
        await Loopback.Until(() => ended.Count == 1);

        using Socket drained = await Loopback.ConnectRawAsync(server.EndPoint());
        await drained.ReadExactlyAsync(3);
        Assert.True(reading.Wait(Loopback.Patience));
        Task<DrainResult> stopping = server.StopAsync(Loopback.Patience); // this one ends by the drain

        Assert.Equal(Encoding.ASCII.GetBytes("bye\n"), await drained.ReadToEndAsync());
        drained.Shutdown(SocketShutdown.Send);
        await stopping.Within();
        Assert.Equal([(CloseReason.RemoteFin, CloseReason.RemoteFin), (CloseReason.ServerDrain, CloseReason.None)], ended.ToArray());
        await server.DisposeAsync();
    }


    [Fact]
    public async Task StopRefusesNewConnectsFinishesInFlightFramesClosesIdleOnesAndAbortsTheRestAtTheDeadline()
    {
        var time = new FakeTimeProvider();
        var reasons = new System.Collections.Concurrent.ConcurrentDictionary<string, CloseReason>();
        var busyStarted = new TaskCompletionSource();
        var stuckStarted = new TaskCompletionSource();
        var connected = new CountdownEvent(3);
        var connections = new System.Collections.Concurrent.ConcurrentDictionary<string, Connection>();
        var server = Loopback.StartServer(async c =>
        {
            connections[c.RemoteEndPoint.ToString()!] = c;
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

        // The busy connection is mid-frame when the drain starts: wait until its handler has the partial line buffered.
        Connection busyOnServer = connections[busy.LocalEndPoint!.ToString()!];
        await Loopback.Until(() => busyOnServer.IsIdle);
        await busy.SendAsync("half a fra"u8.ToArray());
        await Loopback.Until(() => !busyOnServer.IsIdle);

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

        // The stuck handler ignores the drain: it is aborted (RST) once the deadline passes. (First let the server take in
        // the other two clients' FINs: a connection still closing at the deadline would be aborted too.)
        await Loopback.Until(() => server.ActiveConnections == 1);
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
    public async Task StopReturnsOneSecondAfterTheTimeoutEvenIfAHandlerIgnoresTheAbort()
    {
        var time = new FakeTimeProvider();
        var started = new CountdownEvent(20);
        var never = new TaskCompletionSource();
        var server = Loopback.StartServer(async c =>
        {
            started.Signal();
            await never.Task; // a handler that ignores StopRequested, cancellation and its socket being aborted
        }, time: time);
        var clients = new List<Socket>();
        for (int i = 0; i < 20; i++)
        {
            clients.Add(await Loopback.ConnectRawAsync(server.EndPoint()));
        }

        Assert.True(started.Wait(Loopback.Patience));
        Task<DrainResult> stopping = server.StopAsync(TimeSpan.FromMilliseconds(500));
        time.Advance(TimeSpan.FromMilliseconds(500));

        // Every connection is aborted at the deadline: the clients see RST while the handlers still hang.
        foreach (Socket client in clients)
        {
            var error = await Assert.ThrowsAsync<SocketException>(() => client.ReadToEndAsync());
            Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
        }

        Assert.False(stopping.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        DrainResult result = await stopping.Within();
        Assert.Equal(20, result.Aborted);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), result.Elapsed);
        never.SetResult();
        clients.ForEach(c => c.Dispose());
    }
}
