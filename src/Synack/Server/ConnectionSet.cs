using System.Buffers;
using Synack.Connections;

namespace Synack.Server;

/// <summary>
/// The connections a server is serving: an intrusive doubly-linked list threaded through the connections themselves
/// (two references each) instead of a dictionary node and bucket per connection, so that serving 10,000 idle
/// connections costs as little as it can. Add, remove and snapshot under one lock; they happen per accept and close.
/// </summary>
internal sealed class ConnectionSet
{
    private readonly object _gate = new();
    private Connection? _head;
    private int _count;

    /// <summary>How many connections are in the set.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds a connection that is in no set.</summary>
    public void Add(Connection connection)
    {
        lock (_gate)
        {
            connection.SetLinks(null, _head, inSet: true);
            if (_head is not null)
            {
                _head.SetLinks(connection, _head.NextInSet, inSet: true);
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
            if (!connection.InSet)
            {
                return false;
            }

            Connection? previous = connection.PreviousInSet, next = connection.NextInSet;
            if (previous is null)
            {
                _head = next;
            }
            else
            {
                previous.SetLinks(previous.PreviousInSet, next, inSet: true);
            }

            next?.SetLinks(previous, next.NextInSet, inSet: true);
            connection.SetLinks(null, null, inSet: false);
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
            for (Connection? c = _head; c is not null; c = c.NextInSet)
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
            for (Connection? c = _head; c is not null; c = c.NextInSet)
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
}
