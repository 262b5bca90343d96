using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Synack.Server;

namespace Synack.Tests.Server;

public sealed class AcceptLoopTests
{
    /// <summary>A fake listener: each accept() takes the next scripted outcome.</summary>
    private sealed class ScriptedListener
    {
        private readonly Channel<Func<Socket>> _script = Channel.CreateUnbounded<Func<Socket>>();
        public int Calls;
        public readonly Channel<int> CallLog = Channel.CreateUnbounded<int>();

        public void Then(SocketError error) => _script.Writer.TryWrite(() => throw new SocketException((int)error));

        public void ThenAccept() => _script.Writer.TryWrite(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));

        public async ValueTask<Socket> AcceptAsync(CancellationToken token)
        {
            CallLog.Writer.TryWrite(Interlocked.Increment(ref Calls));
            Func<Socket> next = await _script.Reader.ReadAsync(token);
            return next();
        }
    }

    [Fact]
    public async Task RunningOutOfDescriptorsBacksOffExponentiallyInsteadOfSpinning()
    {
        var time = new FakeTimeProvider();
        var listener = new ScriptedListener();
        var accepted = Channel.CreateUnbounded<Socket>();
        var backoffs = Channel.CreateUnbounded<TimeSpan>();
        var loop = new AcceptLoop(listener.AcceptAsync, s => accepted.Writer.TryWrite(s), time, (_, d) => backoffs.Writer.TryWrite(d));
        using var stop = new CancellationTokenSource();
        for (int i = 0; i < 3; i++)
        {
            listener.Then(SocketError.TooManyOpenSockets);
        }

        listener.ThenAccept();
        Task running = loop.RunAsync(stop.Token);

        Assert.Equal(1, await listener.CallLog.Reader.ReadAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(10), await backoffs.Reader.ReadAsync());
        Assert.Equal(1, listener.Calls); // waiting, not retrying
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(2, await listener.CallLog.Reader.ReadAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(20), await backoffs.Reader.ReadAsync());
        time.Advance(TimeSpan.FromMilliseconds(19));
        Assert.Equal(2, listener.Calls); // 19 ms is not enough: the backoff doubled to 20 ms
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, await listener.CallLog.Reader.ReadAsync());
        Assert.Equal(TimeSpan.FromMilliseconds(40), await backoffs.Reader.ReadAsync());
        time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Equal(4, await listener.CallLog.Reader.ReadAsync());
        using Socket socket = await accepted.Reader.ReadAsync();

        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AConnectionResetWhileQueuedIsSkippedAndAcceptingContinues()
    {
        var listener = new ScriptedListener();
        var accepted = Channel.CreateUnbounded<Socket>();
        var loop = new AcceptLoop(listener.AcceptAsync, s => accepted.Writer.TryWrite(s), new FakeTimeProvider());
        using var stop = new CancellationTokenSource();
        listener.Then(SocketError.ConnectionAborted);
        listener.Then(SocketError.ConnectionReset);
        listener.ThenAccept();

        Task running = loop.RunAsync(stop.Token);
        using Socket socket = await accepted.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        // Both errors were consumed (skipped) before the third accept() returned the socket.
        Assert.Equal(new[] { 1, 2, 3 }, new[] { await listener.CallLog.Reader.ReadAsync(), await listener.CallLog.Reader.ReadAsync(), await listener.CallLog.Reader.ReadAsync() });
        stop.Cancel();
        await running.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ClosingTheListenerEndsTheLoopQuietly()
    {
        var listener = new ScriptedListener();
        var loop = new AcceptLoop(listener.AcceptAsync, _ => { }, new FakeTimeProvider());
        listener.Then(SocketError.OperationAborted);

        await loop.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, listener.Calls);
    }
}
