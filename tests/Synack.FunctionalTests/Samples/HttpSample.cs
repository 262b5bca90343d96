using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using HttpServer;
using Synack.FunctionalTests.Infrastructure;
using Synack.Hosting;

namespace Synack.FunctionalTests.Samples;

/// <summary>
/// The hosted HTTP sample for one test: on a loopback port 0 (read back from the server), serving a fresh temporary
/// root with <c>index.html</c>, <c>small.txt</c> and a 1 MiB <c>big.bin</c>; its close reasons counted from the Synack meter.
/// Disposing stops the host (drain) and deletes the root.
/// </summary>
internal sealed class HttpSample : IAsyncDisposable
{
    public const string SmallText = "a small static file\n";
    public static readonly byte[] Big = MakeBig();

    private readonly IHost _host;

    private HttpSample(IHost host, string root, int port)
    {
        _host = host;
        Root = root;
        Port = port;
        CloseReasons = new ServerCloseReasons(port);
    }

    public string Root { get; }

    public int Port { get; }

    /// <summary>Why its connections ended, as the server counted them.</summary>
    public ServerCloseReasons CloseReasons { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    /// <summary>Starts the sample; <paramref name="settings"/> are extra <c>--Key=Value</c> arguments (limits, timeouts).</summary>
    public static async Task<HttpSample> StartAsync(params string[] settings)
    {
        string root = Directory.CreateTempSubdirectory("synack-http-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "index.html"), "<p>index</p>\n");
        await File.WriteAllTextAsync(Path.Combine(root, "small.txt"), SmallText);
        await File.WriteAllBytesAsync(Path.Combine(root, "big.bin"), Big);
        HostApplicationBuilder builder = HttpApp.CreateBuilder(
            [$"--Synack:Servers:Http:Listen:0=127.0.0.1:0", $"--Http:Root={root}", "--Logging:LogLevel:Default=Warning", .. settings]);
        IHost host = builder.Build();
        await host.StartAsync().Within();
        var service = host.Services.GetServices<IHostedService>().OfType<SynackServerService>().Single();
        return new HttpSample(host, root, ((IPEndPoint)service.Server!.LocalEndPoints[0]).Port);
    }

    /// <summary>A raw client: what goes on the wire is exactly what the test writes.</summary>
    public async Task<HttpWire> ConnectAsync() => new(await Loopback.ConnectRawAsync(EndPoint));

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().Within();
        _host.Dispose();
        CloseReasons.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private static byte[] MakeBig()
    {
        byte[] bytes = new byte[1024 * 1024];
        new Random(16).NextBytes(bytes);
        return bytes;
    }
}
