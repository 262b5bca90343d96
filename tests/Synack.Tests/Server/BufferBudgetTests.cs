using Synack.Transport;

namespace Synack.Tests.Server;

public sealed class BufferBudgetTests
{
    [Fact]
    public void CrossingTheBudgetSignalsOnceUntilRearmedAndThePeakIsTheMostEverHeld()
    {
        int signals = 0;
        var budget = new BufferBudget(1000, () => signals++);

        budget.Add(600);
        budget.Add(300);
        Assert.Equal(0, signals);
        budget.Add(200); // 1100: over
        budget.Add(50);  // still over: no second signal
        Assert.Equal(1, signals);

        budget.Add(-850); // 300
        Assert.Equal(300, budget.Total);
        Assert.Equal(1150, budget.Peak);
        budget.Add(800); // over again, but not rearmed
        Assert.Equal(1, signals);

        budget.Add(-800);
        budget.Rearm();
        budget.Add(701);
        Assert.Equal(2, signals);
    }
}
