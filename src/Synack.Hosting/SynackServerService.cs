using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Synack.Connections;
using Synack.Server;

namespace Synack.Hosting;

/// <summary>
/// Runs one <see cref="SynackServer"/> as a hosted service: it binds in <see cref="StartAsync"/> (so a busy port fails
/// host start-up) and drains in <see cref="StopAsync"/>, within the host's shutdown timeout. Logs to the
/// <c>Synack.Server</c> category: listening endpoints and the drain at Information, each connection's accept and close
/// reason at Debug, handler bugs at Error.
/// </summary>
public sealed class SynackServerService : IHostedService, IAsyncDisposable
{
    private readonly ServerOptions _options;
    private readonly ConnectionHandler? _handler;
    private readonly IInlineHandler? _inlineHandler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the service; the server starts with the host.</summary>
    public SynackServerService(ServerOptions options, ConnectionHandler handler, TimeProvider? timeProvider = null)
        : this("Default", options, handler, timeProvider, null)
    {
    }

    /// <summary>Creates a named service that logs through <paramref name="loggerFactory"/>.</summary>
    public SynackServerService(string name, ServerOptions options, ConnectionHandler handler, TimeProvider? timeProvider, ILoggerFactory? loggerFactory)
        : this(name, options, timeProvider, loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handler = Logged(handler);
    }

    /// <summary>
    /// Creates a named service for an <see cref="IInlineHandler"/> (the epoll transport's fast path, or over pipes on the
    /// sockets transport). Inline connections are not logged one by one (that would cost each connection a continuation);
    /// the <c>Synack</c> meter counts them.
    /// </summary>
    public SynackServerService(string name, ServerOptions options, IInlineHandler handler, TimeProvider? timeProvider, ILoggerFactory? loggerFactory)
        : this(name, options, timeProvider, loggerFactory)
    {
        _inlineHandler = handler ?? throw new ArgumentNullException(nameof(handler));
    }

    /// <summary>What both handler kinds share: the name, the options, the clock and the logger.</summary>
    private SynackServerService(string name, ServerOptions options, TimeProvider? timeProvider, ILoggerFactory? loggerFactory)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(SynackLog.Category);
    }

    /// <summary>The server's name: its configuration section is <c>Synack:Servers:{Name}</c>.</summary>
    public string Name { get; }

    /// <summary>The running server, once the host has started.</summary>
    public SynackServer? Server { get; private set; }

    /// <summary>What the drain did when the host stopped.</summary>
    public DrainResult? LastDrain { get; private set; }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        SynackServer server = _inlineHandler is not null
            ? SynackServer.Start(_options, _inlineHandler, _time)
            : SynackServer.Start(_options, _handler!, _time);
        server.HandlerFaulted += (connection, error) => SynackLog.HandlerFaulted(_logger, error, connection);
        server.BufferOverload += e => SynackLog.BufferOverload(_logger, Name, e.Connection, e.Action, e.ConnectionBytes, e.TotalBytes, e.Budget);
        Server = server;
        foreach (System.Net.EndPoint endPoint in server.LocalEndPoints)
        {
            SynackLog.Listening(_logger, Name, ListenAddress.Format(endPoint));
        }

        return Task.CompletedTask;
    }

    /// <summary>Drains: stops accepting, lets in-flight work finish, and aborts what remains when the host's shutdown
    /// token fires (or after <see cref="ServerOptions.DrainTimeout"/>, whichever comes first).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Server is not { } server)
        {
            return;
        }

        SynackLog.Draining(_logger, Name, server.ActiveConnections, _options.DrainTimeout);
        Task<DrainResult> draining = server.StopAsync(_options.DrainTimeout);
        DrainResult result;
        try
        {
            result = await draining.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host ran out of patience: abort the rest now and report what that did.
            SynackLog.ShutdownTimedOut(_logger, Name);
            result = await server.StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        }

        LastDrain = result;
        SynackLog.Stopped(_logger, Name, result.Drained, result.Aborted, result.Elapsed);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Server is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ConnectionHandler Logged(ConnectionHandler handler) => !_logger.IsEnabled(LogLevel.Debug) ? handler : connection =>
    {
        SynackLog.Accepted(_logger, connection, connection.ClientEndPoint);
        _ = connection.Closed.ContinueWith(
            closed => SynackLog.Closed(_logger, connection, closed.Result, connection.BytesReceived, connection.BytesSent),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        return handler(connection);
    };
}
