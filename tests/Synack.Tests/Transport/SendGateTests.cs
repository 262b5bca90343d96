using Synack.Transport;

namespace Synack.Tests.Transport;

/// <summary>The send lock (a count plus a hand-over semaphore): exclusion, order, and cancellation that loses nothing.</summary>
public sealed class SendGateTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AFreeGateIsTakenAtOnceAndASecondTakerWaitsUntilItIsReleased()
    {
        var gate = new SendGate();
        Assert.True(gate.WaitAsync().IsCompletedSuccessfully);
        Assert.False(gate.TryEnter());

        ValueTask second = gate.WaitAsync();
        Assert.False(second.IsCompleted);

        gate.Release();
        await second.AsTask().WaitAsync(Bound);
        Assert.False(gate.TryEnter());
        gate.Release();
        Assert.True(gate.TryEnter());
        gate.Release();
    }

    [Fact]
    public async Task ACancelledWaiterPassesItsTurnOnSoTheWaiterBehindItStillGetsTheGate()
    {
        var gate = new SendGate();
        Assert.True(gate.TryEnter());
        using var cancel = new CancellationTokenSource();
        Task cancelled = gate.WaitAsync(cancel.Token).AsTask();
        Task behind = gate.WaitAsync().AsTask();

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Bound));
        Assert.False(behind.IsCompleted);

        gate.Release(); // the waiter behind gets this turn; the cancelled one's stand-in is queued after it
        await behind.WaitAsync(Bound);
        gate.Release(); // the stand-in, queued behind, takes its turn now and releases it (asynchronously)
        Assert.True(SpinWait.SpinUntil(gate.TryEnter, Bound)); // nothing owed, nothing lost
        gate.Release();
    }

    [Fact]
    public void ReleasingAFreeGateIsAnErrorThatLeavesItFree()
    {
        var gate = new SendGate();
        Assert.Throws<SemaphoreFullException>(gate.Release);
        Assert.True(gate.TryEnter());
        gate.Release();
    }

    [Fact]
    public async Task ManyTakersNeverHoldTheGateAtOnceAndEveryOneGetsIt()
    {
        var gate = new SendGate();
        int inside = 0, most = 0, done = 0;
        using var cancelSome = new CancellationTokenSource();
        async Task Taker(int i)
        {
            for (int n = 0; n < 200; n++)
            {
                CancellationToken token = i % 4 == 0 ? cancelSome.Token : default;
                try
                {
                    await gate.WaitAsync(token);
                }
                catch (OperationCanceledException)
                {
                    continue;
                }

                int now = Interlocked.Increment(ref inside);
                InterlockedMax(ref most, now);
                await Task.Yield();
                Interlocked.Decrement(ref inside);
                gate.Release();
                Interlocked.Increment(ref done);
            }
        }

        Task all = Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => Taker(i))));
        cancelSome.CancelAfter(TimeSpan.FromMilliseconds(5));
        await all.WaitAsync(Bound);

        Assert.Equal(1, most);
        Assert.True(done >= 12 * 200); // every taker without a token got in every time
        Assert.True(SpinWait.SpinUntil(gate.TryEnter, Bound)); // cancelled waiters' stand-ins release asynchronously
        gate.Release();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
