using Synack.Connections;

namespace Synack.Tests.Connections;

/// <summary>The lazily created cancellation and completion a connection carries instead of eager sources.</summary>
public sealed class LazySignalTests
{
    private sealed class Holder
    {
        public LazyCancellation Cancellation;
        public LazyCompletion<int> Completion;
    }

    [Fact]
    public void ATokenHandedOutBeforeCancelIsCancelledByIt()
    {
        var holder = new Holder();
        CancellationToken token = holder.Cancellation.Token;
        Assert.False(token.IsCancellationRequested);
        Assert.False(holder.Cancellation.IsCancellationRequested);

        holder.Cancellation.Cancel();

        Assert.True(token.IsCancellationRequested);
        Assert.True(holder.Cancellation.IsCancellationRequested);
    }

    [Fact]
    public void ATokenAskedForAfterCancelIsAlreadyCancelledAndCancellingTwiceIsHarmless()
    {
        var holder = new Holder();
        holder.Cancellation.Cancel();
        holder.Cancellation.Cancel();

        Assert.True(holder.Cancellation.Token.IsCancellationRequested);
        Assert.True(holder.Cancellation.Token.CanBeCanceled);
    }

    [Fact]
    public void ACallbackRegisteredBeforeCancelRunsExactlyOnce()
    {
        var holder = new Holder();
        int calls = 0;
        holder.Cancellation.Token.Register(() => Interlocked.Increment(ref calls));
        holder.Cancellation.Cancel();
        holder.Cancellation.Cancel();
        Assert.Equal(1, calls);
    }

    [Fact]
    public void RacingCancelAndTokenAlwaysEndWithACancelledToken()
    {
        for (int round = 0; round < 2_000; round++)
        {
            var holder = new Holder();
            using var start = new Barrier(2);
            CancellationToken token = default;
            var asker = new Thread(() => { start.SignalAndWait(); token = holder.Cancellation.Token; });
            asker.Start();
            start.SignalAndWait();
            holder.Cancellation.Cancel();
            asker.Join();
            Assert.True(token.IsCancellationRequested, $"round {round}: a token handed out stayed uncancelled");
        }
    }

    [Fact]
    public async Task ATaskAskedForBeforeTheResultCompletesWithItAsynchronously()
    {
        var holder = new Holder();
        Task<int> task = holder.Completion.Task;
        Assert.Same(task, holder.Completion.Task);
        Assert.False(task.IsCompleted);

        Assert.True(holder.Completion.TrySetResult(7));

        Assert.Equal(7, await task);
        Assert.Same(task, holder.Completion.Task); // the same task before and after: WhenAny(...) == Closed still works
    }

    [Fact]
    public async Task ATaskAskedForAfterTheResultIsCompletedAndOnlyTheFirstResultCounts()
    {
        var holder = new Holder();
        Assert.True(holder.Completion.TrySetResult(1));
        Assert.False(holder.Completion.TrySetResult(2));

        Task<int> task = holder.Completion.Task;
        Assert.True(task.IsCompletedSuccessfully);
        Assert.Equal(1, await task);
    }

    [Fact]
    public async Task RacingResultAndTaskAlwaysEndWithACompletedTask()
    {
        for (int round = 0; round < 2_000; round++)
        {
            var holder = new Holder();
            using var start = new Barrier(2);
            Task<int>? task = null;
            var asker = new Thread(() => { start.SignalAndWait(); task = holder.Completion.Task; });
            asker.Start();
            start.SignalAndWait();
            holder.Completion.TrySetResult(round);
            asker.Join();
            Assert.Equal(round, await task!.WaitAsync(TimeSpan.FromSeconds(30))); // a task handed out must complete
        }
    }
}
