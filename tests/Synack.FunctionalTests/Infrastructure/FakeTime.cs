using Microsoft.Extensions.Time.Testing;

namespace Synack.FunctionalTests.Infrastructure;

/// <summary>Fake-clock helpers for tests whose deadlines run on a <see cref="FakeTimeProvider"/>.</summary>
internal static class FakeTime
{
    /// <summary>
    /// Advances fake time in <paramref name="step"/>s until <paramref name="condition"/> holds, yielding between steps, and
    /// returns the total advanced. For deadlines whose timer is armed a moment after the event a test can observe (a TLS
    /// handshake or PROXY header timer starts when the server's accept path gets there): one big advance could pass before
    /// the timer exists, and then it never fires.
    /// </summary>
    public static async Task<TimeSpan> AdvanceUntil(this FakeTimeProvider time, TimeSpan step, Func<bool> condition)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan advanced = TimeSpan.Zero;
        while (!condition())
        {
            Assert.True(deadline.Elapsed < Loopback.Patience, $"condition not reached after advancing {advanced}");
            time.Advance(step);
            advanced += step;
            await Task.Delay(1);
        }

        return advanced;
    }
}
