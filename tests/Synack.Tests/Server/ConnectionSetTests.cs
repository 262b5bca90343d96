using System.Net.Sockets;
using Synack.Connections;
using Synack.Server;

namespace Synack.Tests.Server;

/// <summary>The intrusive list a server keeps its connections in.</summary>
public sealed class ConnectionSetTests
{
    private static Connection NewConnection() =>
        new(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), new ConnectionOptions());

    [Fact]
    public void ConnectionsAddedAreListedAndCountedUntilRemovedAndRemovingTwiceIsHarmless()
    {
        var set = new ConnectionSet();
        Connection[] connections = Enumerable.Range(0, 5).Select(_ => NewConnection()).ToArray();
        foreach (Connection c in connections)
        {
            set.Add(c);
        }

        Assert.Equal(5, set.Count);
        Assert.Equal(connections.ToHashSet(), set.ToArray().ToHashSet());

        Assert.True(set.Remove(connections[2])); // middle
        Assert.True(set.Remove(connections[4])); // head (added last)
        Assert.True(set.Remove(connections[0])); // tail
        Assert.False(set.Remove(connections[0]));

        Assert.Equal(2, set.Count);
        Assert.Equal(new[] { connections[1], connections[3] }.ToHashSet(), set.ToArray().ToHashSet());
        Assert.True(set.Remove(connections[1]));
        Assert.True(set.Remove(connections[3]));
        Assert.Equal(0, set.Count);
        Assert.Empty(set.ToArray());

        set.Add(connections[2]); // a removed connection can be added again
        Assert.Equal(new[] { connections[2] }, set.ToArray());
    }

    [Fact]
    public void ForEachVisitsEveryConnectionOnceEvenWhenTheActionRemovesIt()
    {
        var set = new ConnectionSet();
        Connection[] connections = Enumerable.Range(0, 100).Select(_ => NewConnection()).ToArray();
        foreach (Connection c in connections)
        {
            set.Add(c);
        }

        var visited = new List<Connection>();
        set.ForEach(c =>
        {
            visited.Add(c);
            set.Remove(c); // as a connection closed by a timeout check leaves the set
        });

        Assert.Equal(connections.ToHashSet(), visited.ToHashSet());
        Assert.Equal(100, visited.Count);
        Assert.Equal(0, set.Count);
    }
}
