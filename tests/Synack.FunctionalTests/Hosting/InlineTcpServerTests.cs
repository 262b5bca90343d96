using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.Hosting;
using Synack.Server;

namespace Synack.FunctionalTests.Hosting;

/// <summary>AddInlineTcpServer&lt;THandler&gt;: an inline handler as a hosted server, options from configuration.</summary>
public sealed class InlineTcpServerTests
{
    /// <summary>Counts the connections it has seen: one instance serves them all.</summary>
    private sealed class Greeter : IInlineHandler
    {
        private int _calls;

        public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output)
        {
            var reader = new SequenceReader<byte>(input);
            while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                int call = Interlocked.Increment(ref _calls);
                output.Write(Encoding.ASCII.GetBytes($"hello {Encoding.ASCII.GetString(line)} #{call} on {Thread.CurrentThread.Name}\n"));
            }

            return reader.Consumed;
        }
    }

    [Theory]
    [InlineData("Sockets")]
    [InlineData("Epoll")]
    public async Task AnInlineServerTakesItsOptionsFromConfigurationServesEveryConnectionWithOneHandlerAndDrainsWithTheHost(string transport)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Synack:Servers:Hello:Listen:0"] = "127.0.0.1:0",
            ["Synack:Servers:Hello:Transport"] = transport,
            ["Synack:Servers:Hello:Connection:MaxReadBufferSize"] = "8192",
        });
        builder.Services.AddInlineTcpServer<Greeter>("Hello");
        using IHost host = builder.Build();
        await host.StartAsync().Within();
        SynackServerService service = host.Services.GetServices<IHostedService>().OfType<SynackServerService>().Single();
        var endPoint = (IPEndPoint)service.Server!.LocalEndPoints[0];

        using Socket first = await Loopback.ConnectRawAsync(endPoint);
        using Socket second = await Loopback.ConnectRawAsync(endPoint);
        await first.SendAsync("ann\n"u8.ToArray());
        string one = await ReadLineAsync(first);
        await second.SendAsync("bob\n"u8.ToArray());
        string two = await ReadLineAsync(second);

        Assert.StartsWith("hello ann #1 on ", one);
        Assert.StartsWith("hello bob #2 on ", two); // the same handler instance for both connections
        Assert.Equal(transport == "Epoll", one.Contains("synack-epoll-", StringComparison.Ordinal));
        Assert.Same(host.Services.GetRequiredService<Greeter>(), host.Services.GetRequiredService<Greeter>());

        // The options came from configuration: a line longer than the 8 KiB read cap is refused.
        using Socket flooder = await Loopback.ConnectRawAsync(endPoint);
        Task<byte[]> flooderEnd = flooder.ReadToEndAsync();
        try
        {
            await flooder.SendAsync(new byte[64 * 1024]);
        }
        catch (SocketException)
        {
            // The reset may arrive while the flood is still being sent.
        }

        await Assert.ThrowsAsync<SocketException>(() => flooderEnd);

        await host.StopAsync().Within();
        Assert.Empty(await first.ReadToEndAsync()); // drained: FIN
        Assert.Empty(await second.ReadToEndAsync());
        Assert.Equal(0, service.LastDrain!.Value.Aborted);
    }

    private static async Task<string> ReadLineAsync(Socket socket)
    {
        var line = new List<byte>();
        byte[] one = new byte[1];
        while (await socket.ReceiveAsync(one.AsMemory(), SocketFlags.None).Within() == 1 && one[0] != '\n')
        {
            line.Add(one[0]);
        }

        return Encoding.ASCII.GetString(line.ToArray());
    }
}
