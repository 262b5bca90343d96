using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Synack.Client;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Hosting;

namespace Synack.FunctionalTests.Hosting;

public sealed class HostingTests
{
    private sealed record Greeting(string Text);

    [Fact]
    public async Task AServerRegisteredWithTheHostStartsWithItUsesItsServicesAndDrainsWhenItStops()
    {
        int port = Loopback.UnusedPort();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(new Greeting("hello from the host"));
        builder.Services.AddSynackServer(o => o.Listen(IPAddress.Loopback, port), sp =>
        {
            var greeting = sp.GetRequiredService<Greeting>();
            return async c =>
            {
                while (await c.ReadLineAsync() is { } line)
                {
                    await c.SendLineAsync($"{greeting.Text}: {line}");
                }
            };
        });
        using IHost host = builder.Build();
        await host.StartAsync().WaitAsync(Loopback.Patience);

        Connection client = await SynackClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await client.SendLineAsync("ping");
        Assert.Equal("hello from the host: ping", await client.ReadLineAsync().Within());

        // Host shutdown drains: the idle client is closed gracefully and new connects are refused.
        Task stopping = host.StopAsync();
        Assert.Null(await client.ReadLineAsync().Within());
        await client.CloseAsync();
        await stopping.WaitAsync(Loopback.Patience);
        var service = (SynackServerService)host.Services.GetServices<IHostedService>().Single(s => s is SynackServerService);
        Synack.Server.DrainResult drain = Assert.NotNull(service.LastDrain);
        Assert.Equal((1, 0), (drain.Drained, drain.Aborted));
        var refused = await Assert.ThrowsAsync<SocketException>(() => Loopback.ConnectRawAsync(new IPEndPoint(IPAddress.Loopback, port)));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task ABusyPortFailsHostStartUpWithAddressInUse()
    {
        await using var other = Loopback.StartServer(Loopback.LineEcho);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSynackServer(o => o.Listen(other.EndPoint()), _ => Loopback.LineEcho);
        using IHost host = builder.Build();

        var error = await Assert.ThrowsAsync<Errors.SynackException>(() => host.StartAsync());
        Assert.Equal(Errors.ErrorKind.AddressInUse, error.Kind);
    }
}
