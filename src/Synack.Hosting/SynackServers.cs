using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Synack.Server;

namespace Synack.Hosting;

/// <summary>
/// The hosted servers by name (issue 15: an application had no way to reach the <see cref="SynackServer"/> that
/// <c>AddTcpServer</c> or <c>AddInlineTcpServer</c> runs, to broadcast or to list its connections). A singleton: take it
/// in a handler's constructor and look the server up when needed; the server itself exists only once the host has
/// started. Code that runs after start may also take <c>[FromKeyedServices("Name")] SynackServer</c>.
/// </summary>
public sealed class SynackServers(IServiceProvider services)
{
    /// <summary>The running server <paramref name="name"/>.</summary>
    /// <exception cref="InvalidOperationException">No server of that name is registered, or the host has not started it yet.</exception>
    public SynackServer this[string name] =>
        TryGet(name, out SynackServer? server) ? server
            : throw new InvalidOperationException(services.GetKeyedService<SynackServerService>(name) is null
                ? $"no Synack server named '{name}' is registered (AddTcpServer / AddInlineTcpServer)"
                : $"the Synack server '{name}' is not running: it starts with the host (IHost.StartAsync)");

    /// <summary>The running server <paramref name="name"/>, if it is registered and started.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out SynackServer? server)
    {
        ArgumentNullException.ThrowIfNull(name);
        server = services.GetKeyedService<SynackServerService>(name)?.Server;
        return server is not null;
    }
}
