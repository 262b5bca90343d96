using System.Buffers;
using Synack.Connections;

namespace Synack.Server;

/// <summary>
/// The connections a server is serving: an intrusive doubly-linked list threaded through the connections themselves
/// (two references each) instead of a dictionary node and bucket per connection, so that serving 10,000 idle
/// connections costs as little as it can. Add, remove and snapshot under one lock; they happen per accept and close.
/// A connection has two pairs of links (<see cref="ConnectionLinks"/>): one for its server's set, one for the live set of
/// its metric group (<see cref="Diagnostics.ConnectionMetrics"/>), so it can be in one of each at once.
/// </summary>
internal sealed class ConnectionSet
{
    private readonly object _gate = new();
    private readonly bool _metrics;
    private Connection? _head;
    private int _count;

    /// <summary>A set threaded through the server links, or (<paramref name="metrics"/>) the metric group's links.</summary>
    public ConnectionSet(bool metrics = false) => _metrics = metrics;

    /// <summary>How many connections are in the set.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds a connection that is in no set.</summary>
    public void Add(Connection connection)
    {
        lock (_gate)
        {
            Links(connection) = new ConnectionLinks(null, _head, InSet: true);
            if (_head is not null)
            {
                Links(_head).Previous = connection;
            }

            _head = connection;
            _count++;
        }
    }

    /// <summary>Removes a connection; false if it was not in the set (removing twice is harmless).</summary>
    public bool Remove(Connection connection)
    {
        lock (_gate)
        {
            ref ConnectionLinks links = ref Links(connection);
            if (!links.InSet)
            {
                return false;
            }

            Connection? previous = links.Previous, next = links.Next;
            if (previous is null)
            {
                _head = next;
            }
            else
            {
                Links(previous).Next = next;
            }

            if (next is not null)
            {
                Links(next).Previous = previous;
            }

            links = default;
            _count--;
            return true;
        }
    }

    /// <summary>The connections now in the set.</summary>
    public Connection[] ToArray()
    {
        lock (_gate)
        {
            var all = new Connection[_count];
            int i = 0;
            for (Connection? c = _head; c is not null; c = Links(c).Next)
            {
                all[i++] = c;
            }

            return all;
        }
    }

    /// <summary>
    /// Calls <paramref name="action"/> for each connection now in the set, outside the lock (the action may close the
    /// connection, which removes it); the snapshot is a pooled array, so a periodic walk allocates nothing.
    /// </summary>
    public void ForEach(Action<Connection> action)
    {
        Connection[] snapshot;
        int count;
        lock (_gate)
        {
            count = _count;
            snapshot = ArrayPool<Connection>.Shared.Rent(Math.Max(count, 1));
            int i = 0;
            for (Connection? c = _head; c is not null; c = Links(c).Next)
            {
                snapshot[i++] = c;
            }
        }

        try
        {
            for (int i = 0; i < count; i++)
            {
                action(snapshot[i]);
            }
        }
        finally
        {
            ArrayPool<Connection>.Shared.Return(snapshot, clearArray: true);
        }
    }

    /// <summary>
    /// Adds up <paramref name="value"/> over the connections now in the set, under its lock: for the metric groups, whose
    /// readings must see each connection once, live or ended. <paramref name="value"/> must be quick and take no lock.
    /// </summary>
    public long Sum(Func<Connection, long> value)
    {
        long total = 0;
        lock (_gate)
        {
            for (Connection? c = _head; c is not null; c = Links(c).Next)
            {
                total += value(c);
            }
        }

        return total;
    }

    private ref ConnectionLinks Links(Connection connection) => ref _metrics ? ref connection.MetricLinks : ref connection.ServerLinks;
}

/// <summary>A connection's place in one <see cref="ConnectionSet"/>: its neighbours, and whether it is in the set at all.</summary>
internal record struct ConnectionLinks(Connection? Previous, Connection? Next, bool InSet);
