using Synack.Client;

namespace Synack.Tests.Client;

public sealed class BackoffTests
{
    [Fact]
    public void WithoutJitterWaitsGrowByTheMultiplierUpToTheMax()
    {
        var backoff = new Backoff(jitter: 0);

        double[] seconds = Enumerable.Range(0, 14).Select(_ => backoff.Next().TotalSeconds).ToArray();

        double[] expected = [1, 1.6, 2.56, 4.096, 6.5536, 10.48576, 16.777216, 26.8435456, 42.94967296, 68.719476736, 109.9511627776, 120, 120, 120];
        Assert.Equal(expected.Select(s => Math.Round(s, 3)), seconds.Select(s => Math.Round(s, 3))); // to the millisecond
    }

    [Fact]
    public void JitterSpreadsEachWaitWithinPlusOrMinusTwentyPercentAndVaries()
    {
        var backoff = new Backoff(random: new Random(42));
        var firsts = new List<double>();
        for (int i = 0; i < 200; i++)
        {
            backoff.Reset();
            firsts.Add(backoff.Next().TotalSeconds);
        }

        Assert.All(firsts, s => Assert.InRange(s, 0.8, 1.2));
        Assert.True(firsts.Max() - firsts.Min() > 0.3, "jitter should spread the waits");
    }

    [Fact]
    public void ResetStartsOverFromTheInitialWait()
    {
        var backoff = new Backoff(initial: TimeSpan.FromMilliseconds(100), jitter: 0);
        backoff.Next();
        backoff.Next();
        backoff.Next();

        backoff.Reset();

        Assert.Equal(TimeSpan.FromMilliseconds(100), backoff.Next());
    }

    [Fact]
    public void OutOfRangeSettingsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(multiplier: 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(jitter: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(initial: TimeSpan.FromSeconds(10), max: TimeSpan.FromSeconds(5)));
    }
}
