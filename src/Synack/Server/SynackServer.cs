using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Synack.Connections;
using Synack.Transport;

namespace Synack.Server;

/// <summary>Handles one accepted connection. When it returns (or throws) the server closes the connection gracefully.</summary>
/// <param name="connection">The accepted connection.</param>
public delegate Task ConnectionHandler(Connection connection);

/// <summary>
/// A TCP server: listens on one or more endpoints, runs a <see cref="ConnectionHandler"/> per connection and drains
/// gracefully on <see cref="StopAsync(TimeSpan)"/>.
/// </summary>
/// <remarks>
/// <code>
///  Created ──Start()──► Listening ──StopAsync──► Draining ──all handlers done or timeout──► Stopped
///                                                 │ listeners closed at once: new connects are refused
///                                                 │ connections asked to stop: idle ones close (FIN), busy ones finish
///                                                 └ at the deadline the rest are aborted (RST), reason ServerDrain
/// </code>
/// A handler that throws <see cref="Errors.SynackException"/> (peer misbehaved or vanished) ends only its own
/// connection; any other exception also aborts that connection and is reported through <see cref="HandlerFaulted"/>.
/// </remarks>
public sealed partial class SynackServer : IAsyncDisposable, IConnectionOwner
{
    private readonly ServerOptions _options;
    private readonly ConnectionHandler _handler;
    private readonly IInlineHandler? _inlineHandler;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    /// <summary>The connections being served, each with its <see cref="Connection.HandlerTask"/> (none for an inline connection: it calls back, see <see cref="IConnectionOwner"/>).</summary>
    private readonly ConnectionSet _connections = new();
    private readonly List<Socket> _listeners = new();
    private readonly List<Task> _acceptLoops = new();
    private readonly object _gate = new();
    private Task<DrainResult>? _stopping;
    private ITimer? _heartbeat;
    private volatile bool _draining;
    private int _admitted;
    private long _rejected;

    /// <summary>How long StopAsync waits for aborted handlers to return before it gives up on them.</summary>
    private static readonly TimeSpan AbandonGrace = TimeSpan.FromSeconds(1);

    /// <summary>Creates a server; call <see cref="Start()"/> to listen.</summary>
    public SynackServer(ServerOptions options, ConnectionHandler handler, TimeProvider? timeProvider = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _time = timeProvider ?? TimeProvider.System;
        if (options.EndPoints.Count == 0)
        {
            throw new ArgumentException("ServerOptions.EndPoints is empty: add at least one endpoint to listen on.", nameof(options));
        }

        _budget = CreateBudget();
    }

    /// <summary>
    /// Creates a server for an <see cref="IInlineHandler"/>: on the epoll transport it runs on the loop threads with no
    /// pipes (the fast path, heartbeats included); on the sockets transport, or behind TLS or a PROXY header, over the
    /// connection's pipes. Call <see cref="Start()"/> to listen.
    /// </summary>
    public SynackServer(ServerOptions options, IInlineHandler handler, TimeProvider? timeProvider = null)
        : this(options, static _ => Task.CompletedTask, timeProvider)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _inlineHandler = handler;

        // Made here rather than in the chained call, which cannot name this server: OnClosed's bugs are reported by it.
        _handler = InlineHandlerAdapter.OverPipes(handler, ReportHandlerFault);
    }

    /// <summary>Raised when a handler throws something other than a <see cref="Errors.SynackException"/> (a bug in the handler).</summary>
    public event Action<Connection, Exception>? HandlerFaulted;

    /// <summary>
    /// The bound endpoints, in the order of <see cref="ServerOptions.EndPoints"/>: <see cref="IPEndPoint"/>s with the real
    /// port when port 0 was requested, and <see cref="UnixDomainSocketEndPoint"/>s; an <see cref="InheritedEndPoint"/> shows
    /// as the address of each socket it names (<c>systemd:</c> may name several). Empty before <see cref="Start()"/>.
    /// </summary>
    public IReadOnlyList<EndPoint> LocalEndPoints { get; private set; } = Array.Empty<EndPoint>();

    /// <summary>Connections being served: their handlers are running, or (inline handlers) they are not yet closed.</summary>
    public int ActiveConnections => _connections.Count;

    /// <summary>
    /// True from the moment <see cref="StopAsync(TimeSpan)"/> starts the drain: listeners are closed (new connects are
    /// refused) and connections are being finished. What a readiness check reports (Synack.Hosting's health check).
    /// </summary>
    public bool IsDraining => _draining;

    /// <summary>Connections turned away because <see cref="ServerOptions.MaxConnections"/> were being served.</summary>
    public long RejectedConnections => Interlocked.Read(ref _rejected);

    /// <summary>Creates and starts a server in one call.</summary>
    public static SynackServer Start(ServerOptions options, ConnectionHandler handler, TimeProvider? timeProvider = null)
    {
        var server = new SynackServer(options, handler, timeProvider);
        server.Start();
        return server;
    }

    /// <summary>Creates and starts a server for an <see cref="IInlineHandler"/> in one call.</summary>
    public static SynackServer Start(ServerOptions options, IInlineHandler handler, TimeProvider? timeProvider = null)
    {
        var server = new SynackServer(options, handler, timeProvider);
        server.Start();
        return server;
    }

    /// <summary>Binds every endpoint and starts accepting. All-or-nothing: if one bind fails, none stays bound.</summary>
    /// <exception cref="Errors.SynackException"><see cref="Errors.ErrorKind.AddressInUse"/> when an endpoint is taken.</exception>
    public void Start()
    {
        lock (_gate)
        {
            if (_listeners.Count > 0 || _stopping is not null)
            {
                throw new InvalidOperationException("The server was already started.");
            }

            PrepareDescriptors();
            try
            {
                foreach (EndPoint endPoint in _options.EndPoints)
                {
                    _listeners.AddRange(ListenSocket.CreateAll(endPoint, _options.Backlog, _options.ReusePort, _options.DualMode));
                }
            }
            catch
            {
                CloseListeners();
                _listeners.Clear();
                throw;
            }

            LocalEndPoints = _listeners.Select(l => l.LocalEndPoint!).ToArray();
            _heartbeat = _time.CreateTimer(static s => ((SynackServer)s!).CheckTimeouts(), this, Connection.WatchdogPeriod, Connection.WatchdogPeriod);
            foreach (Socket listener in _listeners)
            {
                AcceptLoop loop = CreateAcceptLoop(listener);
                _acceptLoops.Add(Task.Run(() => loop.RunAsync(_stop.Token)));
            }
        }
    }

    /// <summary>Drains with <see cref="ServerOptions.DrainTimeout"/>.</summary>
    public Task<DrainResult> StopAsync() => StopAsync(_options.DrainTimeout);

    /// <summary>
    /// Graceful drain: stops accepting at once (new connects are refused), lets in-flight frames finish, closes idle
    /// connections, and aborts whatever still runs after <paramref name="timeout"/>. Returns within timeout + 1 s.
    /// Idempotent: later calls return the first call's task.
    /// </summary>
    public Task<DrainResult> StopAsync(TimeSpan timeout)
    {
        lock (_gate)
        {
            return _stopping ??= DrainAsync(timeout);
        }
    }

    /// <summary>Stops with the default drain timeout.</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task<DrainResult> DrainAsync(TimeSpan timeout)
    {
        long started = _time.GetTimestamp();

        // Both deadlines run from the StopAsync call itself (armed before the first await), not from whenever the
        // accept loops happen to finish: "returns within timeout + 1 s" is measured from the caller's point of view.
        using var timers = new CancellationTokenSource();
        Task abortAt = Task.Delay(timeout, _time, timers.Token);
        Task giveUpAt = Task.Delay(timeout + AbandonGrace, _time, timers.Token);

        _draining = true;
        _stop.Cancel();
        CloseListeners();
        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);

        // An inline connection has no handler task: it is done when it is closed.
        var running = _connections.ToArray().Select(c => (Connection: c, Task: c.HandlerTask ?? c.Closed)).ToArray();
        foreach ((Connection connection, _) in running)
        {
            connection.RequestStop();
        }

        Task all = Task.WhenAll(running.Select(r => r.Task));
        await Task.WhenAny(all, abortAt).ConfigureAwait(false);

        int aborted = 0;
        foreach ((Connection connection, Task task) in running)
        {
            if (!task.IsCompleted)
            {
                connection.AbortCore(CloseReason.ServerDrain);
                aborted++;
            }
        }

        // A handler may ignore both cancellation and I/O errors; its socket is closed by now, so it can hold nothing
        // but a thread. Stop waiting for it one grace period after the deadline.
        await Task.WhenAny(all, giveUpAt).ConfigureAwait(false);
        timers.Cancel();
        _heartbeat?.Dispose();
        return new DrainResult(running.Length - aborted, aborted, _time.GetElapsedTime(started));
    }

    /// <summary>
    /// Closes every listener: new connects are refused from here on. Disposing a Unix listener also removes its socket
    /// file (.NET unlinks the path a socket bound), so a stopped server leaves nothing behind.
    /// </summary>
    private void CloseListeners() => _listeners.ForEach(l => l.Dispose());

    private void OnAccepted(Socket socket)
    {
        if (Interlocked.Increment(ref _admitted) > _options.MaxConnections)
        {
            Interlocked.Decrement(ref _admitted);
            Reject(socket);
            return;
        }

        Connection? connection = null;
        try
        {
            bool epoll = UseEpoll();
            connection = new Connection(socket, _options.Connection, _time, isServer: true, epoll ? (_options.Loops ?? Synack.Transport.Epoll.EpollLoopGroup.Default).Next() : null,
                // The inline engine runs no preamble (TLS, a PROXY header): with one, an inline handler runs over pipes.
                epoll && _options.Tls is null && _options.ProxyProtocol is null ? _inlineHandler : null,
                preamble: _options.Tls is not null || _options.ProxyProtocol is not null, budget: _budget)
            {
                WatchedByServer = true,
            };
            if (connection.IsInline)
            {
                // No task: the connection calls back when its handler is done and when it is closed. Listed before it
                // starts, since it may finish at once.
                connection.Owner = this;
                _connections.Add(connection);
                connection.Start();
                if (_draining)
                {
                    connection.RequestStop();
                }

                return;
            }

            if (_options.Tls is null && _options.ProxyProtocol is null)
            {
                connection.Start();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            if (connection is not null)
            {
                connection.Owner = null;
                _connections.Remove(connection);
                connection.UnregisterEpoll(); // before the close, as always on the epoll transport
            }

            Interlocked.Decrement(ref _admitted);
            socket.Dispose(); // reset between accept() and setsockopt(): nothing to serve
            return;
        }

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task task = RunAsync(connection, gate.Task);
        connection.HandlerTask = task;
        _connections.Add(connection);
        gate.SetResult();
        if (_draining)
        {
            connection.RequestStop();
        }
    }

    /// <summary>
    /// The transport this server's connections use: <see cref="ServerOptions.Transport"/> with <see cref="SynackTransport.Auto"/>
    /// resolved, and <see cref="SynackTransport.Sockets"/> wherever epoll does not apply (another OS or architecture).
    /// </summary>
    public SynackTransport Transport => UseEpoll() ? SynackTransport.Epoll : SynackTransport.Sockets;

    /// <summary>The epoll transport when asked for (or, with Auto, for an inline handler) and supported: see <see cref="EngineChoice"/>.</summary>
    private bool UseEpoll() => EngineChoice.UsesEpoll(_options.Transport, _inlineHandler is not null);

    /// <summary>
    /// What comes before the handler: the PROXY header (read from the raw socket, before TLS), then the TLS handshake.
    /// Connections without either were started in <see cref="OnAccepted"/>. False when the handler must not run.
    /// </summary>
    private async Task<bool> PrepareAsync(Connection connection)
    {
        if (_options.ProxyProtocol is { } proxy && !await AcceptProxyHeaderAsync(connection, proxy).ConfigureAwait(false))
        {
            return false;
        }

        if (_options.Tls is { } tls)
        {
            await connection.StartTlsServerAsync(tls.Authentication, tls.HandshakeTimeout).ConfigureAwait(false);
        }
        else if (_options.ProxyProtocol is not null)
        {
            connection.Start(); // the header was read from the raw socket; the pumps take it from here
        }

        return true;
    }

    /// <summary>
    /// Reads the PROXY header a trusted proxy must send first and records the real client; rejects untrusted peers unless
    /// direct connections are allowed. False when the connection must not reach the handler.
    /// </summary>
    private async Task<bool> AcceptProxyHeaderAsync(Connection connection, ProxyProtocol.ProxyProtocolOptions proxy)
    {
        if (!proxy.Trusts(connection.RemoteEndPoint))
        {
            if (!proxy.AllowDirectConnections)
            {
                connection.AbortCore(CloseReason.ProtocolError);
            }

            return proxy.AllowDirectConnections;
        }


        using var timeout = new CancellationTokenSource(proxy.HeaderTimeout, _time);
        ProxyProtocol.ProxyHeader? header;
        try
        {
            header = await ProxyProtocol.ProxyHeaderReader.ReadAsync(connection.ReceivePreambleAsync, new ProxyProtocol.ProxyHeaderCodec(proxy.MaxHeaderLength), timeout.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            connection.AbortCore(CloseReason.Timeout);
            return false;
        }
        catch (Errors.SynackException e)
        {
            connection.AbortCore(e.Kind == Errors.ErrorKind.LimitExceeded ? CloseReason.LimitExceeded : CloseReason.ProtocolError);
            e.CountFor(connection.Metrics);
            throw;
        }
        catch (SocketException)
        {
            connection.AbortCore(CloseReason.RemoteReset);
            return false;
        }

        if (header is null)
        {
            connection.AbortCore(CloseReason.RemoteFin); // the proxy closed before sending a header
            return false;
        }

        if (header.Source is { } client)
        {
            connection.ClientEndPoint = client;
        }

        return true;
    }

    /// <summary>
    /// The heartbeat: once a second every connection is checked against its timeouts (idle, frame read, send, data
    /// rates, application heartbeat). One timer for the server instead of one per connection, as Kestrel does.
    /// </summary>
    private void CheckTimeouts()
    {
        _connections.ForEach(static c => c.CheckTimeouts());
        if (_budget is { } budget && (budget.Total > budget.Max || Volatile.Read(ref _overSince) != 0))
        {
            EnforceBudget(heartbeat: true);
        }
    }

    /// <summary>
    /// An inline connection's handler is done: as <see cref="RunAsync"/> does after a handler returns, a bug aborts the
    /// connection and is reported (on the thread pool: this may run on an epoll loop thread); otherwise it closes
    /// gracefully.
    /// </summary>
    void IConnectionOwner.OnHandlerDone(Connection connection, Exception? fault)
    {
        if (fault is not null)
        {
            connection.AbortForHandlerFault(fault);
            ReportHandlerFault(connection, fault);
        }

        if (_draining)
        {
            connection.TrySetCloseReason(CloseReason.ServerDrain);
        }

        _ = connection.CloseAsync();
    }

    /// <summary>An inline connection is closed: it is no longer served.</summary>
    void IConnectionOwner.OnClosed(Connection connection)
    {
        if (_connections.Remove(connection))
        {
            Interlocked.Decrement(ref _admitted);
        }

        OnReleased();
    }

    void IConnectionOwner.OnClosedHookFaulted(Connection connection, Exception fault) => ReportHandlerFault(connection, fault);

    /// <summary>An inline handler's bug (OnClosed threw, or it failed on the loop): reported on the thread pool, since this may run on a loop thread.</summary>
    private void ReportHandlerFault(Connection connection, Exception fault) =>
        ThreadPool.QueueUserWorkItem(static s => s.Server.HandlerFaulted?.Invoke(s.Connection, s.Fault),
            (Server: this, Connection: connection, Fault: fault), preferLocal: false);

    /// <summary>Over the connection limit: say so (if configured) and close with FIN, never blocking the accept loop.</summary>
    private void Reject(Socket socket)
    {
        Interlocked.Increment(ref _rejected);
        if (socket.LocalEndPoint is { } listener)
        {
            Diagnostics.SynackMetrics.ConnectionRejected(listener);
        }

        try
        {
            if (!_options.RejectPayload.IsEmpty)
            {
                socket.Blocking = false; // a fresh socket's send buffer takes a short payload at once; never wait for it
                socket.Send(_options.RejectPayload.Span, SocketFlags.None, out _);
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The peer is already gone: nothing to tell it.
        }
        finally
        {
            socket.Dispose();
            OnReleased();
        }
    }

    private async Task RunAsync(Connection connection, Task registered)
    {
        await registered.ConfigureAwait(false);
        try
        {
            if (await PrepareAsync(connection).ConfigureAwait(false))
            {
                await _handler(connection).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is Errors.SynackException or OperationCanceledException)
        {
            // The peer misbehaved or vanished, or the handler was cancelled: this connection ends, the server goes on.
            (e as Errors.SynackException)?.CountFor(connection.Metrics); // a codec's error the handler let through
        }
        catch (Exception e)
        {
            // Reported before the abort, so that the fault is logged before the close it causes (issue 15).
            try
            {
                HandlerFaulted?.Invoke(connection, e);
            }
            finally
            {
                connection.AbortForHandlerFault(e);
            }
        }
        finally
        {
            if (_draining)
            {
                connection.TrySetCloseReason(CloseReason.ServerDrain);
            }

            await connection.CloseAsync().ConfigureAwait(false);
            _connections.Remove(connection);
            Interlocked.Decrement(ref _admitted);
            OnReleased();
        }
    }
}
