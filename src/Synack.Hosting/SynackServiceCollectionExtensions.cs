using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
            return new SynackServerService("Default", options, handler(provider), provider.GetService<TimeProvider>(), provider.GetService<ILoggerFactory>());
        });
        return services;
    }

    /// <summary>
    /// Adds a server named <paramref name="name"/> whose connections are served by <typeparamref name="THandler"/>, an
    /// <see cref="ITcpConnectionHandler"/> resolved from a new dependency-injection scope per connection. Options come from configuration section
    /// <c>Synack:Servers:{name}</c> (see <see cref="ServerConfiguration"/>), then from <paramref name="configure"/>; they are
    /// also available as named <c>IOptions</c>: <c>IOptionsMonitor&lt;ServerOptions&gt;.Get(name)</c>. Bad settings fail host
    /// start-up with the key in the message; a busy port fails it with <see cref="Errors.ErrorKind.AddressInUse"/>.
    /// <code>
    /// builder.Services.AddTcpServer&lt;EchoHandler&gt;("Echo");   // appsettings.json: "Synack": { "Servers": { "Echo": { "Listen": [ "*:7000" ] } } }
    /// </code>
    /// </summary>
    public static IServiceCollection AddTcpServer<THandler>(this IServiceCollection services, string name, Action<ServerOptions>? configure = null)
        where THandler : class, ITcpConnectionHandler
    {
        AddServerOptions(services, name, configure);
        services.TryAddScoped<THandler>();
        AddNamedServer(services, name, provider => new SynackServerService(
            name,
            provider.GetRequiredService<IOptionsMonitor<ServerOptions>>().Get(name),
            PerConnectionScope<THandler>(provider.GetRequiredService<IServiceScopeFactory>()),
            provider.GetService<TimeProvider>(),
            provider.GetService<ILoggerFactory>()));
        return services;
    }

    /// <summary>
    /// Adds a server named <paramref name="name"/> whose connections are served by the <see cref="IInlineHandler"/>
    /// <typeparamref name="THandler"/>: one instance (a singleton, since it is called on the transport's threads for every
    /// connection; keep per-connection state in the input it leaves unconsumed, or keyed by <see cref="Connections.Connection.Id"/>).
    /// Under the default transport, <see cref="SynackTransport.Auto"/>, it runs on the epoll fast path wherever that applies
    /// (Linux on x86-64 or ARM64, no TLS, PROXY or heartbeat) with no setting; <c>"Transport": "Sockets"</c> in its section
    /// forces the runtime's engine. Options are bound as for <see cref="AddTcpServer{THandler}"/>.
    /// <code>
    /// builder.Services.AddInlineTcpServer&lt;RespHandler&gt;("Resp");   // "Synack": { "Servers": { "Resp": { "Listen": [ "*:6380" ] } } }
    /// </code>
    /// </summary>
    public static IServiceCollection AddInlineTcpServer<THandler>(this IServiceCollection services, string name, Action<ServerOptions>? configure = null)
        where THandler : class, IInlineHandler
    {
        AddServerOptions(services, name, configure);
        services.TryAddSingleton<THandler>();
        AddNamedServer(services, name, provider => new SynackServerService(
            name,
            provider.GetRequiredService<IOptionsMonitor<ServerOptions>>().Get(name),
            provider.GetRequiredService<THandler>(),
            provider.GetService<TimeProvider>(),
            provider.GetService<ILoggerFactory>()));
        return services;
    }

    /// <summary>
    /// The server <paramref name="name"/> as a hosted service, and by name (issue 15): its
    /// <see cref="SynackServerService"/> and, once the host has started, its running <see cref="SynackServer"/> as keyed
    /// singletons (<c>GetRequiredKeyedService&lt;SynackServer&gt;("Echo")</c>, <c>[FromKeyedServices("Echo")]</c>), and
    /// <see cref="SynackServers"/> for code built before the host starts (a handler that broadcasts).
    /// </summary>
    private static void AddNamedServer(IServiceCollection services, string name, Func<IServiceProvider, SynackServerService> create)
    {
        if (services.Any(d => d.IsKeyedService && d.ServiceType == typeof(SynackServerService) && Equals(d.ServiceKey, name)))
        {
            throw new InvalidOperationException($"a Synack server named '{name}' is already registered: give each server its own name (and section)");
        }

        services.AddKeyedSingleton(name, (provider, _) => create(provider));
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredKeyedService<SynackServerService>(name));
        services.AddKeyedSingleton(name, (provider, _) => provider.GetRequiredService<SynackServers>()[name]);
        services.TryAddSingleton<SynackServers>();
    }

    /// <summary>Named options for server <paramref name="name"/>: its configuration section, then <paramref name="configure"/>.</summary>
    private static void AddServerOptions(IServiceCollection services, string name, Action<ServerOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        services.AddOptions<ServerOptions>(name)
            .Configure<IConfiguration, IServiceProvider>((options, configuration, provider) => ServerConfiguration.Bind(
                configuration.GetSection(ServerConfiguration.SectionPath(name)), options, provider.GetService<ILoggerFactory>()?.CreateLogger(SynackLog.Category)))
            .Configure(options => configure?.Invoke(options));
    }

    private static ConnectionHandler PerConnectionScope<THandler>(IServiceScopeFactory scopes)
        where THandler : class, ITcpConnectionHandler => async connection =>
    {
        AsyncServiceScope scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            await scope.ServiceProvider.GetRequiredService<THandler>().OnConnectedAsync(connection).ConfigureAwait(false);
        }
    };
}
