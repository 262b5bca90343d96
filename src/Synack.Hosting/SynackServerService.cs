using Microsoft.Extensions.Hosting;
using Synack.Server;

namespace Synack.Hosting;

/// <summary>
/// Runs one <see cref="SynackServer"/> as a hosted service: it binds in <see cref="StartAsync"/> (so a busy port fails
/// host start-up) and drains in <see cref="StopAsync"/>, within the host's shutdown timeout.
/// </summary>
public sealed class SynackServerService : IHostedService, IAsyncDisposable
{
    private readonly ServerOptions _options;
    private readonly ConnectionHandler _handler;
    private readonly TimeProvider _time;

    /// <summary>Creates the service; the server starts with the host.</summary>
    public SynackServerService(ServerOptions options, ConnectionHandler handler, TimeProvider? timeProvider = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The running server, once the host has started.</summary>
    public SynackServer? Server { get; private set; }

    /// <summary>What the drain did when the host stopped.</summary>
    public DrainResult? LastDrain { get; private set; }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Server = SynackServer.Start(_options, _handler, _time);
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

        Task<DrainResult> draining = server.StopAsync(_options.DrainTimeout);
        try
        {
            LastDrain = await draining.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host ran out of patience: abort the rest now and report what that did.
            LastDrain = await server.StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Server is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
