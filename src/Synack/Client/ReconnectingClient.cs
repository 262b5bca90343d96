using System.Net;
using Synack.Connections;
using Synack.Errors;
using Synack.Framing;

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
/// Sends made while disconnected fail at once with <see cref="ErrorKind.NotConnected"/>: nothing is buffered behind the
/// caller's back, so the application decides what to replay after <see cref="Connected"/> (gRPC's fail-fast default);
/// <see cref="WaitForConnectedAsync"/> waits for the connection instead (gRPC's wait-for-ready).
/// Events are raised on the reconnect loop; keep handlers short and non-blocking.
/// </remarks>
public sealed class ReconnectingClient : IAsyncDisposable
{
    private readonly Func<ConnectOptions, CancellationToken, Task<Connection>> _connectTo;
    private readonly string _target;
    private readonly Func<Connection, CancellationToken, Task> _session;
    private readonly ConnectOptions _connect;
    private readonly Backoff _backoff;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private Connection? _current;
    private TaskCompletionSource<Connection> _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the client; call <see cref="Start"/> to begin connecting.</summary>
    /// <param name="host">Name or address, resolved on every attempt (so a moved server is found).</param>
    /// <param name="port">TCP port.</param>
    /// <param name="session">Runs once per connection; when it returns or throws, that connection is closed and the client
    /// reconnects. Its token is cancelled when the client is disposed.</param>
    /// <param name="connect">Connect options (timeouts, connection options, time provider). Default: <see cref="ConnectOptions"/>'s.</param>
    /// <param name="backoff">Waits between attempts. Default: 1 s × 1.6 ± 20 %, at most 120 s.</param>
    public ReconnectingClient(string host, int port, Func<Connection, CancellationToken, Task> session, ConnectOptions? connect = null, Backoff? backoff = null)
        : this($"{host ?? throw new ArgumentNullException(nameof(host))}:{port}", (options, stop) => SynackClient.ConnectAsync(host, port, options, stop),
            connect, session, backoff)
    {
    }

    /// <summary>Creates the client for an endpoint: an <see cref="IPEndPoint"/>, a <see cref="DnsEndPoint"/> or a Unix socket (<see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/>).</summary>
    /// <param name="endPoint">Where to connect, on every attempt.</param>
    /// <param name="session">Runs once per connection (see the other constructor).</param>
    /// <param name="connect">Connect options. Default: <see cref="ConnectOptions"/>'s.</param>
    /// <param name="backoff">Waits between attempts. Default: 1 s × 1.6 ± 20 %, at most 120 s.</param>
    public ReconnectingClient(EndPoint endPoint, Func<Connection, CancellationToken, Task> session, ConnectOptions? connect = null, Backoff? backoff = null)
        : this((endPoint ?? throw new ArgumentNullException(nameof(endPoint))).ToString() ?? "", (options, stop) => SynackClient.ConnectAsync(endPoint, options, stop),
            connect, session, backoff)
    {
    }

    private ReconnectingClient(string target, Func<ConnectOptions, CancellationToken, Task<Connection>> connectTo, ConnectOptions? connect,
        Func<Connection, CancellationToken, Task> session, Backoff? backoff)
    {
        _target = target;
        _connectTo = connectTo;
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
    /// <exception cref="SynackException"><see cref="ErrorKind.NotConnected"/> while disconnected: nothing is queued.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        Current is { } connection ? connection.SendAsync(data, cancellationToken) : ValueTask.FromException(NotConnected());

    /// <summary>Sends <paramref name="line"/> and LF on the live connection (see <see cref="Connection.SendLineAsync"/>).</summary>
    /// <exception cref="SynackException"><see cref="ErrorKind.NotConnected"/> while disconnected: nothing is queued.</exception>
    public ValueTask SendLineAsync(string line, CancellationToken cancellationToken = default) =>
        Current is { } connection ? connection.SendLineAsync(line, cancellationToken) : ValueTask.FromException(NotConnected());

    /// <summary>Encodes <paramref name="frame"/> with <paramref name="encoder"/> and sends it on the live connection, as one unit.</summary>
    /// <exception cref="SynackException"><see cref="ErrorKind.NotConnected"/> while disconnected: nothing is queued.</exception>
    public ValueTask WriteFrameAsync<T>(IFrameEncoder<T> encoder, T frame, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        return Current is { } connection ? connection.SendFrameAsync(encoder, frame, cancellationToken) : ValueTask.FromException(NotConnected());
    }

    /// <summary>
    /// The live connection, once there is one: at once while connected, else when the next connect succeeds. Pass a
    /// token with a timeout to bound the wait (a <see cref="TaskCanceledException"/> then); fails with
    /// <see cref="ObjectDisposedException"/> once the client is disposed.
    /// </summary>
    public Task<Connection> WaitForConnectedAsync(CancellationToken cancellationToken = default) =>
        _stop.IsCancellationRequested ? Task.FromException<Connection>(new ObjectDisposedException(nameof(ReconnectingClient)))
        : Current is { } connection ? Task.FromResult(connection)
        : Volatile.Read(ref _up).Task.WaitAsync(cancellationToken);

    /// <summary>Stops reconnecting, closes the live connection gracefully and waits for the loop to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Volatile.Read(ref _up).TrySetException(new ObjectDisposedException(nameof(ReconnectingClient))); // wakes waiters
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
                connection = await _connectTo(_connect, stop).ConfigureAwait(false);
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
            Volatile.Read(ref _up).TrySetResult(connection);
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
                if (!stop.IsCancellationRequested)
                {
                    Volatile.Write(ref _up, new TaskCompletionSource<Connection>(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                CloseReason reason = await connection.CloseAsync(CancellationToken.None).ConfigureAwait(false);
                Disconnected?.Invoke(connection, reason);
            }

            if (!await WaitAsync(null, stop).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private SynackException NotConnected() => new(ErrorKind.NotConnected, "write",
        $"not connected to {_target} (connecting or reconnecting); nothing was sent or queued");

    /// <summary>Waits the next backoff interval; false when the client is stopping.</summary>
    private async Task<bool> WaitAsync(SynackException? error, CancellationToken stop)
    {
        if (stop.IsCancellationRequested)
        {
            return false; // disposed: no "reconnecting in ..." once the client is stopping
        }

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
