using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Synack.Client;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Hosting;
using Synack.Server;

namespace Synack.FunctionalTests.Hosting;

/// <summary>Issue 15: hosted servers resolved by name, and their readiness as a health check.</summary>
public sealed class ServersByNameTests
{
    private sealed class Upper : ITcpConnectionHandler
    {
        public async Task OnConnectedAsync(Connection connection)
        {
            while (await connection.ReadLineAsync() is { } line)
            {
                await connection.SendLineAsync(line.ToUpperInvariant());
            }
        }
    }

    private static IHost Build(Action<IServiceCollection>? more = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Synack:Servers:Upper:Listen:0"] = "127.0.0.1:0",
            ["Synack:Servers:Echo:Listen:0"] = "127.0.0.1:0",
        });
        builder.Services.AddTcpServer<Upper>("Upper");
        builder.Services.AddInlineTcpServer<EchoInline>("Echo");
        more?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>The inline echo, as a registrable type.</summary>
    private sealed class EchoInline : IInlineHandler
    {
        public long OnReceived(Connection connection, System.Buffers.ReadOnlySequence<byte> input, System.Buffers.IBufferWriter<byte> output) =>
            InlineHandlers.Echo.OnReceived(connection, input, output);
    }

    [Fact]
    public async Task EachRunningServerIsResolvedByItsNameAsAKeyedServiceAndThroughTheRegistry()
    {
        using IHost host = Build();
        var registry = host.Services.GetRequiredService<SynackServers>();
        Assert.False(registry.TryGet("Upper", out _));
        Assert.Contains("is not running", Assert.Throws<InvalidOperationException>(() => registry["Upper"]).Message);
        Assert.Contains("no Synack server named 'Nope'", Assert.Throws<InvalidOperationException>(() => registry["Nope"]).Message);

        await host.StartAsync().Within();
        SynackServer upper = host.Services.GetRequiredKeyedService<SynackServer>("Upper");
        SynackServer echo = host.Services.GetRequiredKeyedService<SynackServer>("Echo");
        Assert.NotSame(upper, echo);
        Assert.Same(upper, registry["Upper"]);
        Assert.Same(upper, host.Services.GetRequiredKeyedService<SynackServerService>("Upper").Server);

        await using Connection client = await SynackClient.ConnectAsync((IPEndPoint)upper.LocalEndPoints[0]);
        await client.SendLineAsync("shout");
        Assert.Equal("SHOUT", await client.ReadLineAsync().Within());
        Assert.Single(upper.Connections);
        await host.StopAsync().Within();
    }

    [Fact]
    public void TwoServersWithOneNameAreRefusedWhenTheSecondIsRegistered()
    {
        var services = new ServiceCollection();
        services.AddTcpServer<Upper>("Upper");
        var error = Assert.Throws<InvalidOperationException>(() => services.AddInlineTcpServer<EchoInline>("Upper"));
        Assert.Contains("'Upper' is already registered", error.Message);
    }

    [Fact]
    public async Task ReadinessIsHealthyWhileListeningAndUnhealthyFromTheStartOfTheDrainWhileConnectionsAreStillOpen()
    {
        using IHost host = Build(s => s.AddHealthChecks().AddSynackReadiness("Upper"));
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync()).Entries["synack:Upper"].Status); // not started

        await host.StartAsync().Within();
        HealthReport ready = await health.CheckHealthAsync(r => r.Tags.Contains("ready"));
        Assert.Equal(HealthStatus.Healthy, ready.Entries["synack:Upper"].Status);

        // A client in the middle of a line keeps the drain waiting: readiness must already say "go elsewhere".
        SynackServer upper = host.Services.GetRequiredKeyedService<SynackServer>("Upper");
        await using Connection busy = await SynackClient.ConnectAsync((IPEndPoint)upper.LocalEndPoints[0]);
        await busy.SendAsync("half a li"u8.ToArray());
        await Loopback.Until(() => upper.ActiveConnections == 1 && upper.Connections[0].BytesReceived == 9);
        Task stopping = host.StopAsync();
        await Loopback.Until(() => upper.IsDraining);

        HealthReportEntry draining = (await health.CheckHealthAsync()).Entries["synack:Upper"];
        Assert.Equal(HealthStatus.Unhealthy, draining.Status);
        Assert.Contains("draining", draining.Description);
        Assert.Equal(1, draining.Data["active_connections"]);
        Assert.False(stopping.IsCompleted);

        await busy.SendLineAsync("ne");
        Assert.Equal("HALF A LINE", await busy.ReadLineAsync().Within());
        await stopping.Within();
    }
}
