using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Synack.Cli.Tests.Serve;

/// <summary>The real <c>synack</c> executable, to prove what only a process can show: signal handling.</summary>
public sealed class ServeProcessTests
{
    [Fact]
    public async Task SigtermMakesServeDrainItsConnectionsReportThemAndExitZero()
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Synack.Cli.dll");
        var start = new ProcessStartInfo("dotnet", [cli, "serve", "echo", "--listen", "127.0.0.1:0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using Process serve = Process.Start(start)!;
        try
        {
            string? line;
            do
            {
                line = await serve.StandardError.ReadLineAsync().WaitAsync(Loopback.Patience);
            }
            while (line is not null && !line.Contains("listening on", StringComparison.Ordinal));

            Assert.NotNull(line);
            int port = int.Parse(line[(line.LastIndexOf(':') + 1)..].Split(' ')[0]);
            using Socket client = await Loopback.ConnectRawAsync(new IPEndPoint(IPAddress.Loopback, port));
            await client.SendAsync("ping"u8.ToArray());
            Assert.Equal("ping"u8.ToArray(), await client.ReadExactlyAsync(4));

            using (Process kill = Process.Start("kill", ["-TERM", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await kill.WaitForExitAsync().WaitAsync(Loopback.Patience);
            }

            Assert.Empty(await client.ReadToEndAsync()); // drained: FIN, not RST
            client.Shutdown(SocketShutdown.Send);
            string rest = await serve.StandardError.ReadToEndAsync().WaitAsync(Loopback.Patience);
            await serve.WaitForExitAsync().WaitAsync(Loopback.Patience);

            Assert.Contains("stopped: 1 connection(s) drained, 0 aborted", rest);
            Assert.Equal(0, serve.ExitCode);
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill(); // only the process this test started, by its handle
            }
        }
    }
}
