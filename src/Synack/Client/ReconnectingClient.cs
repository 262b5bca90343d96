using Synack.Connections;
using Synack.Errors;

namespace Synack.Client;

/// <summary>
/// A client that stays connected: it connects, runs a session on the connection, and when the connection ends (peer
/// closed, reset, timed out, server restarted) it waits with <see cref="Backoff"/> and connects again, until disposed.
/// </summary>
/// <remarks>
/// <code>
///  Connecting ──ok──► Connected (session runs; Backoff.Reset) ──connection ends──► Disconnected ──wait backoff──► Connecting
///      └──fails──► wait backoff ──► Connecting                          DisposeAsync from any state ──► Stopped
/// </code>
/// Sends made while disconnected fail at once with <see cref="ErrorKind.Closed"/>: nothing is buffered behind the
/// caller's back, so the application decides what to replay after <see cref="Connected"/> (gRPC's fail-fast default).
/// Events are raised on the reconnect loop; keep handlers short and non-blocking.
/// </remarks>
public sealed class ReconnectingClient : IAsyncDisposable
{
    private readonly string _host;
    private readonly int _port;
    private readonly Func<Connection, CancellationToken, Task> _session;
    private readonly ConnectOptions _connect;
    private readonly Backoff _backoff;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private Connection? _current;

    /// <summary>Creates the client; call <see cref="Start"/> to begin connecting.</summary>
    /// <param name="host">Name or address, resolved on every attempt (so a moved server is found).</param>
    /// <param name="port">TCP port.</param>
    /// <param name="session">Runs once per connection; when it returns or throws, that connection is closed and the client
    /// reconnects. Its token is cancelled when the client is disposed.</param>
    /// <param name="connect">Connect options (timeouts, connection options, time provider). Default: <see cref="ConnectOptions"/>'s.</param>
    /// <param name="backoff">Waits between attempts. Default: 1 s × 1.6 ± 20 %, at most 120 s.</param>
    public ReconnectingClient(string host, int port, Func<Connection, CancellationToken, Task> session, ConnectOptions? connect = null, Backoff? backoff = null)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _port = port;
        _session = session ?? throw new ArgumentNullException(nameof(session));
        _connect = connect ?? new ConnectOptions();
        _backoff = backoff ?? new Backoff();
        _time = _connect.TimeProvider;
    }

    /// <summary>A connection was established (the first one, or after a reconnect).</summary>
    public event Action<Connection>? Connected;

    /// <summary>The connection ended; the argument is its close reason.</summary>
    public event Action<Connection, CloseReason>? Disconnected;

    /// <summary>The client will try again after the given wait; the exception is why the last attempt failed, if it did.</summary>
    public event Action<TimeSpan, SynackException?>? Reconnecting;

    /// <summary>The live connection, or null while disconnected.</summary>
    public Connection? Current => Volatile.Read(ref _current);

    /// <summary>Successful connects so far (1 after the first, 2 after the first reconnect, ...).</summary>
    public int Connects { get; private set; }

    /// <summary>Starts the reconnect loop. Call once.</summary>
    public void Start()
    {
        if (!_loop.IsCompleted || Connects > 0)
        {
            throw new InvalidOperationException("The client was already started.");
        }

        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Sends on the live connection (see <see cref="Connection.SendAsync"/>).</summary>
    /// <exception cref="SynackException"><see cref="ErrorKind.Closed"/> while disconnected: nothing is queued.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        Current is { } connection
            ? connection.SendAsync(data, cancellationToken)
            : ValueTask.FromException(new SynackException(ErrorKind.Closed, "write",
                $"not connected to {_host}:{_port} (reconnecting); nothing was sent or queued"));

    /// <summary>Stops reconnecting, closes the live connection gracefully and waits for the loop to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (Current is { } connection)
        {
            await connection.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Connection connection;
            try
            {
                connection = await SynackClient.ConnectAsync(_host, _port, _connect, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (SynackException e)
            {
                if (!await WaitAsync(e, stop).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            _backoff.Reset();
            Connects++;
            Volatile.Write(ref _current, connection);
            Connected?.Invoke(connection);
            try
            {
                await _session(connection, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SynackException or OperationCanceledException)
            {
                // The connection failed or the client is stopping: either way this session is over.
            }
            finally
            {
                Volatile.Write(ref _current, null);
                CloseReason reason = await connection.CloseAsync(CancellationToken.None).ConfigureAwait(false);
                Disconnected?.Invoke(connection, reason);
            }

            if (!await WaitAsync(null, stop).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Waits the next backoff interval; false when the client is stopping.</summary>
    private async Task<bool> WaitAsync(SynackException? error, CancellationToken stop)
    {
        TimeSpan wait = _backoff.Next();
        Task delay = Task.Delay(wait, _time, stop); // armed before the event, so "advance the clock by wait" always fires it
        Reconnecting?.Invoke(wait, error);
        try
        {
            await delay.ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
