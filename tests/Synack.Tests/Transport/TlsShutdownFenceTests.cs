using Synack.Transport.Tls;

namespace Synack.Tests.Transport;

/// <summary>
/// The fence between SslStream's reads and its close_notify (issue 12's known bug, stop 21): SSL_shutdown() never runs
/// while a read is inside SslStream, and a read that waits on the socket lets the shutdown through.
/// </summary>
public sealed class TlsShutdownFenceTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AShutdownNeverRunsWhileAReadIsInsideTheFence()
    {
        var fence = new TlsShutdownFence();
        int reading = 0;
        int overlaps = 0;
        int shutdowns = 0;
        using var stop = new CancellationTokenSource();

        Task reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                fence.EnterRead();
                Volatile.Write(ref reading, 1);
                Thread.SpinWait(50); // the decrypt
                Volatile.Write(ref reading, 0);
                fence.ExitRead();
            }
        });

        Task closer = Task.Run(async () =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                await fence.RunExclusive(() =>
                {
                    overlaps += Volatile.Read(ref reading);
                    shutdowns++;
                    return Task.CompletedTask;
                });
            }
        });

        await closer.WaitAsync(Bound);
        stop.Cancel();
        await reader.WaitAsync(Bound);
        Assert.Equal(20_000, shutdowns);
        Assert.Equal(0, overlaps);
    }

    [Fact]
    public async Task AWaitingShutdownEntersBeforeAReadThatArrivesAfterIt()
    {
        var fence = new TlsShutdownFence();
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        fence.EnterRead(); // a read is inside

        Task shutdown = Task.Run(() => fence.RunExclusive(() =>
        {
            order.Enqueue("shutdown");
            return Task.CompletedTask;
        }));
        await WaitUntil(() => fence.ShutdownWaits);

        Task secondRead = Task.Run(() =>
        {
            fence.EnterRead();
            order.Enqueue("read");
            fence.ExitRead();
        });
        fence.ExitRead(); // the first read ends while both wait: the shutdown goes first

        await Task.WhenAll(shutdown, secondRead).WaitAsync(Bound);
        Assert.Equal(["shutdown", "read"], order.ToArray());
    }

    [Fact]
    public async Task AReadWaitingOnTheSocketLetsTheShutdownThroughAndTakesTheFenceBackBeforeSslStreamResumes()
    {
        var fence = new TlsShutdownFence();
        var inner = new ScriptedStream();
        Stream wrapped = fence.Wrap(inner);

        fence.EnterRead();
        ValueTask<int> read = wrapped.ReadAsync(new byte[16]);
        Assert.False(read.IsCompleted);
        Assert.False(fence.IsHeld); // waiting on the socket: nothing of SslStream's runs

        bool ran = false;
        await fence.RunExclusive(() =>
        {
            ran = true;
            return Task.CompletedTask;
        }).WaitAsync(Bound);
        Assert.True(ran);

        inner.Arrive(5);
        Assert.Equal(5, await read.AsTask().WaitAsync(Bound));
        Assert.True(fence.IsHeld); // SslStream decrypts what arrived inside the fence
        fence.ExitRead();
        Assert.False(fence.IsHeld);
    }

    [Fact]
    public async Task TheHandshakesReadsOutsideAnyReadLeaveTheFenceAlone()
    {
        var fence = new TlsShutdownFence();
        var inner = new ScriptedStream();
        Stream wrapped = fence.Wrap(inner);

        ValueTask<int> read = wrapped.ReadAsync(new byte[16]);
        inner.Arrive(3);
        Assert.Equal(3, await read.AsTask().WaitAsync(Bound));
        Assert.False(fence.IsHeld);
    }

    [Fact]
    public void AShutdownThatThrowsLeavesTheFenceFree()
    {
        var fence = new TlsShutdownFence();
        Func<Task> notAuthenticated = () => throw new InvalidOperationException("not authenticated"); // thrown synchronously, as SslStream does
        InvalidOperationException? thrown = null;
        try
        {
            _ = fence.RunExclusive(notAuthenticated);
        }
        catch (InvalidOperationException e)
        {
            thrown = e;
        }

        Assert.NotNull(thrown);
        Assert.False(fence.IsHeld);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Bound);
        while (!condition())
        {
            await Task.Delay(1, timeout.Token); // polling a spinning thread's flag: there is no event to wait on
        }
    }

    /// <summary>An inner stream whose reads wait until the test says bytes arrived.</summary>
    private sealed class ScriptedStream : Stream
    {
        private TaskCompletionSource<int>? _pending;

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Arrive(int count) => _pending!.SetResult(count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _pending = new TaskCompletionSource<int>();
            return new ValueTask<int>(_pending.Task);
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
