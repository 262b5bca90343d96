namespace Synack.Testing.Proxy;

/// <summary>What a fault may do to the connection it is applied to, and where it keeps per-connection state.</summary>
public sealed class FaultLink
{
    private readonly ProxiedConnection _connection;
    private readonly Dictionary<Fault, object> _state = new();

    internal FaultLink(ProxiedConnection connection, Direction direction)
    {
        _connection = connection;
        Direction = direction;
    }

    /// <summary>The direction of this link.</summary>
    public Direction Direction { get; }

    /// <summary>Per-connection state of <paramref name="fault"/>, created on first use.</summary>
    public T State<T>(Fault fault)
        where T : class, new()
    {
        lock (_state)
        {
            if (!_state.TryGetValue(fault, out object? state))
            {
                _state[fault] = state = new T();
            }

            return (T)state;
        }
    }

    /// <summary>Aborts both sides with RST (SO_LINGER 0), as a crashed middlebox or peer would.</summary>
    public void Reset() => _connection.Reset();

    /// <summary>Closes both sides with FIN, dropping whatever has not been forwarded.</summary>
    public void Close() => _connection.Close();

    /// <summary>Cancelled when the proxied connection ends.</summary>
    public CancellationToken Ended => _connection.Ended;

    /// <summary>The proxy's clock.</summary>
    public TimeProvider Time => _connection.Time;
}
