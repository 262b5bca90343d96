using Microsoft.Extensions.Time.Testing;
using Synack.Server;

namespace Synack.Tests.Server;

/// <summary>Issue 14, problem 1: accepting pauses before the descriptor limit and resumes once descriptors are free.</summary>
public sealed class DescriptorReserveTests
{
    [Fact]
    public async Task AcceptingPausesWithinTheReserveAndResumesWhenAReleaseFreesHalfAReserveMore()
    {
        long inUse = 90;
        var time = new FakeTimeProvider();
        var paused = new List<(long, long)>();
        var resumed = new List<TimeSpan>();
        var reserve = new DescriptorReserve(32, time, (u, l) => paused.Add((u, l)), resumed.Add, () => (inUse, 128));

        Assert.True(await reserve.WaitForRoomAsync(CancellationToken.None)); // 90 < 128 - 32: room
        inUse = 96;
        ValueTask<bool> waiting = reserve.WaitForRoomAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        Assert.Equal([(96L, 128L)], paused);

        inUse = 95; // below the reserve again, but not by half a reserve: still paused, no flapping
        reserve.Released();
        await Task.Yield();
        Assert.False(waiting.IsCompleted);

        inUse = 79; // 79 < 128 - 32 - 16
        time.Advance(DescriptorReserve.RecheckPeriod); // the periodic check finds it even without a release
        Assert.True(await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Single(resumed);
    }

    [Fact]
    public async Task APausedWaitEndsWithFalseWhenTheServerStops()
    {
        var reserve = new DescriptorReserve(32, new FakeTimeProvider(), (_, _) => { }, _ => { }, () => (127, 128));
        using var stop = new CancellationTokenSource();
        ValueTask<bool> waiting = reserve.WaitForRoomAsync(stop.Token);
        stop.Cancel();
        Assert.False(await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
