using Synack.Client;
using Synack.Connections;
using Synack.Server;

namespace Synack.Tests.Options;

public sealed class OptionValidationTests
{
    [Fact]
    public void DefaultsMatchTheDocumentedPrecedents()
    {
        var connection = new ConnectionOptions();
        Assert.True(connection.NoDelay);
        Assert.True(connection.KeepAlive.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(30), connection.KeepAlive.Idle);
        Assert.Equal(TimeSpan.FromSeconds(10), connection.KeepAlive.Interval);
        Assert.Equal(3, connection.KeepAlive.Count);
        Assert.Equal(TimeSpan.FromSeconds(60), connection.KeepAlive.EffectiveUserTimeout);
        Assert.Equal(64 * 1024, connection.MaxPendingSendBytes);
        Assert.Equal(2 * 1024 * 1024, connection.MaxReadBufferSize);
        Assert.Equal(64 * 1024, connection.MaxUnjudgedBytes);
        Assert.Equal(TimeSpan.FromSeconds(5), connection.CloseTimeout);
        Assert.Null(connection.Linger);
        Assert.Equal(TimeSpan.FromMinutes(2), connection.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), connection.FrameReadTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), connection.SendTimeout);
        Assert.Equal(new DataRate(240, TimeSpan.FromSeconds(5)), connection.MinReceiveRate);
        Assert.Equal(new DataRate(240, TimeSpan.FromSeconds(5)), connection.MinSendRate);
        Assert.Null(connection.Heartbeat);

        var server = new ServerOptions();
        Assert.Equal(512, server.Backlog);
        Assert.False(server.ReusePort);
        Assert.Equal(TimeSpan.FromSeconds(30), server.DrainTimeout);
        Assert.Equal(10_000, server.MaxConnections);
        Assert.True(server.RejectPayload.IsEmpty);
        Assert.Equal(Math.Max(64L * 1024 * 1024, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4), server.MaxBufferedBytes);

        var connect = new ConnectOptions();
        Assert.Equal(TimeSpan.FromSeconds(10), connect.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), connect.AttemptDelay);
        Assert.Equal(Timeout.InfiniteTimeSpan, connect.Connection.IdleTimeout); // clients keep idle connections open
    }

    [Fact]
    public void OutOfRangeValuesAreRejectedWhenSet()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServerOptions { Backlog = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServerOptions { MaxBufferedBytes = 1024 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { MaxUnjudgedBytes = 100 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { MaxPendingSendBytes = 10 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { SendBufferSize = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { CloseTimeout = TimeSpan.FromSeconds(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeepAliveOptions { Count = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeepAliveOptions { Idle = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectOptions { AttemptDelay = TimeSpan.FromSeconds(5) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectOptions { ConnectTimeout = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServerOptions { MaxConnections = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { IdleTimeout = TimeSpan.FromMilliseconds(10) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { FrameReadTimeout = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { SendTimeout = TimeSpan.FromDays(2) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataRate(0, TimeSpan.FromSeconds(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataRate(240, TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Heartbeat(TimeSpan.FromMilliseconds(10), "\n"u8.ToArray()));
        Assert.Throws<ArgumentException>(() => new Heartbeat(TimeSpan.FromSeconds(5), ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void TimeoutsAreDisabledOnlyByTheExplicitInfiniteValue()
    {
        var options = new ConnectionOptions
        {
            IdleTimeout = Timeout.InfiniteTimeSpan,
            FrameReadTimeout = Timeout.InfiniteTimeSpan,
            SendTimeout = Timeout.InfiniteTimeSpan,
        };

        Assert.Equal(Timeout.InfiniteTimeSpan, options.IdleTimeout);
        Assert.Equal(Timeout.InfiniteTimeSpan, options.FrameReadTimeout);
        Assert.Equal(Timeout.InfiniteTimeSpan, options.SendTimeout);
    }

    [Fact]
    public void ADataRateIsEnforcedOnlyAfterItsGracePeriod()
    {
        var rate = new DataRate(100, TimeSpan.FromSeconds(5));

        Assert.False(rate.IsViolatedBy(0, TimeSpan.FromSeconds(5)));
        Assert.True(rate.IsViolatedBy(599, TimeSpan.FromSeconds(6)));
        Assert.False(rate.IsViolatedBy(600, TimeSpan.FromSeconds(6)));
    }

    [Fact]
    public void AnExplicitUserTimeoutOverridesTheKeepAliveDerivedOne()
    {
        var keepAlive = new KeepAliveOptions { UserTimeout = TimeSpan.FromSeconds(5) };
        Assert.Equal(TimeSpan.FromSeconds(5), keepAlive.EffectiveUserTimeout);
    }
}
