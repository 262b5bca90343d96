using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Synack.Server;

namespace Synack.Hosting;

/// <summary>Registers Synack servers with the Generic Host.</summary>
public static class SynackServiceCollectionExtensions
{
    /// <summary>
    /// Adds a server that starts with the host and drains on shutdown. The handler may take services from the provider:
    /// <c>services.AddSynackServer(o => o.Listen(IPAddress.Any, 7000), sp => async connection => { ... })</c>.
    /// </summary>
    public static IServiceCollection AddSynackServer(this IServiceCollection services, Action<ServerOptions> configure, Func<IServiceProvider, ConnectionHandler> handler)
    {
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentNullException.ThrowIfNull(handler);
        services.AddSingleton<IHostedService>(provider =>
        {
            var options = new ServerOptions();
            configure(options);
            return new SynackServerService(options, handler(provider), provider.GetService<TimeProvider>());
        });
        return services;
    }
}
