using System.Text;
using System.Threading.Channels;
using Synack.Connections;
using Synack.Server;

namespace Chat;

/// <summary>
/// The room: who is here under which nickname, and one broadcasting task. Handlers run on the transport's threads and
/// must not wait, so they queue what is to be said; the one task says it with
/// <see cref="SynackServer.BroadcastAsync"/>: a client that does not read is disconnected once
/// <see cref="ConnectionOptions.MaxPendingSendBytes"/> wait for it (<see cref="SlowConsumerPolicy.Disconnect"/>), and the
/// others never wait for it.
/// </summary>
public sealed class ChatRoom : IAsyncDisposable
{
    /// <summary>Messages waiting for the broadcaster; past this the sender is told its line was dropped.</summary>
    private const int QueueCapacity = 4096;

    private static readonly object NickKey = new();

    private readonly Channel<(byte[] Message, Connection? Except)> _queue =
        Channel.CreateBounded<(byte[], Connection?)>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Dictionary<string, Connection> _nicks = new(StringComparer.OrdinalIgnoreCase);
    private readonly Task _broadcaster;
    private SynackServer? _server;

    private ChatRoom()
    {
        _broadcaster = Task.Run(BroadcastLoopAsync);
    }

    /// <summary>The server (started).</summary>
    public SynackServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>Starts a room listening on <paramref name="listen"/> (<c>HOST:PORT</c>); <paramref name="configure"/> may change the options.</summary>
    public static ChatRoom Start(string listen, Action<ServerOptions>? configure = null)
    {
        var options = new ServerOptions().Listen(listen);
        options.Connection.IdleTimeout = Timeout.InfiniteTimeSpan; // a quiet chat client is normal; keepalive finds dead ones
        configure?.Invoke(options);
        var room = new ChatRoom();
        room._server = SynackServer.Start(options, new ChatHandler(room));
        return room;
    }

    /// <summary>A client arrived: it is named guestN until it picks a nickname.</summary>
    internal string Join(Connection connection)
    {
        string nick = $"guest{connection.Id}";
        lock (_nicks)
        {
            _nicks[nick] = connection;
        }

        connection.Items[NickKey] = nick;
        return nick;
    }

    /// <summary>The connection's nickname (from its <see cref="Connection.Items"/>).</summary>
    internal static string NickOf(Connection connection) => (string)connection.Items[NickKey]!;

    /// <summary>Renames; false when another client has <paramref name="nick"/>.</summary>
    internal bool TryRename(Connection connection, string nick, out string old)
    {
        old = NickOf(connection);
        lock (_nicks)
        {
            if (_nicks.TryGetValue(nick, out Connection? holder) && holder != connection)
            {
                return false;
            }

            _nicks.Remove(old);
            _nicks[nick] = connection;
        }

        connection.Items[NickKey] = nick;
        return true;
    }

    /// <summary>The client left (whatever ended its connection): its nickname is free again.</summary>
    internal string Leave(Connection connection)
    {
        string nick = NickOf(connection);
        lock (_nicks)
        {
            _nicks.Remove(nick);
        }

        return nick;
    }

    /// <summary>Everyone here, sorted.</summary>
    internal string[] Who()
    {
        lock (_nicks)
        {
            return _nicks.Keys.Order(StringComparer.OrdinalIgnoreCase).ToArray();
        }
    }

    /// <summary>Queues <paramref name="line"/> for everyone but <paramref name="except"/>; false when the queue is full (never waits).</summary>
    internal bool Say(string line, Connection? except = null) => _queue.Writer.TryWrite((Encoding.UTF8.GetBytes(line + "\n"), except));

    private async Task BroadcastLoopAsync()
    {
        await foreach ((byte[] message, Connection? except) in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (_server is { } server)
            {
                await server.BroadcastAsync(message, SlowConsumerPolicy.Disconnect, except).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Drains the server, then stops the broadcaster.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            await server.StopAsync().ConfigureAwait(false);
        }

        _queue.Writer.TryComplete();
        await _broadcaster.ConfigureAwait(false);
    }
}
