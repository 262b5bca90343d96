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
        Assert.Equal(TimeSpan.FromSeconds(5), connection.CloseTimeout);
        Assert.Null(connection.Linger);

        var server = new ServerOptions();
        Assert.Equal(512, server.Backlog);
        Assert.False(server.ReusePort);
        Assert.Equal(TimeSpan.FromSeconds(30), server.DrainTimeout);

        var connect = new ConnectOptions();
        Assert.Equal(TimeSpan.FromSeconds(10), connect.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), connect.AttemptDelay);
    }

    [Fact]
    public void OutOfRangeValuesAreRejectedWhenSet()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServerOptions { Backlog = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { MaxPendingSendBytes = 10 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { SendBufferSize = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { CloseTimeout = TimeSpan.FromSeconds(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeepAliveOptions { Count = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeepAliveOptions { Idle = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectOptions { AttemptDelay = TimeSpan.FromSeconds(5) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectOptions { ConnectTimeout = TimeSpan.Zero });
    }

    [Fact]
    public void AnExplicitUserTimeoutOverridesTheKeepAliveDerivedOne()
    {
        var keepAlive = new KeepAliveOptions { UserTimeout = TimeSpan.FromSeconds(5) };
        Assert.Equal(TimeSpan.FromSeconds(5), keepAlive.EffectiveUserTimeout);
    }
}
