using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Synack.FunctionalTests.Infrastructure;
using Synack.ProxyProtocol;
using Synack.Server;

namespace Synack.FunctionalTests.ProxyProtocol;

/// <summary>Synack behind a real HAProxy (installed by .ci/run), speaking PROXY v1 and v2 to it. Returns at once where HAProxy is absent.</summary>
public sealed class HaproxyTests
{
    private static string? FindHaproxy() =>
        new[] { "/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists);

    [Theory]
    [InlineData("send-proxy")]
    [InlineData("send-proxy-v2")]
    public async Task BehindHaproxyTheHandlerSeesTheRealClientNotTheProxy(string sendProxy)
    {
        string? haproxy = FindHaproxy();
        if (haproxy is null)
        {
            Loopback.SkipUnlessCi("haproxy");
            return;
        }

        await using var server = Loopback.StartServer(ProxyProtocolTests.WhoAmI, o => o.ProxyProtocol = new ProxyProtocolOptions().Trust(IPNetwork.Parse("127.0.0.0/8")));
        int port = Loopback.UnusedPort();
        string config = Path.Combine(Path.GetTempPath(), $"synack-haproxy-{Guid.NewGuid():N}.cfg");
        await File.WriteAllTextAsync(config, $"""
            defaults
              mode tcp
              timeout connect 5s
              timeout client 30s
              timeout server 30s
            frontend fe
              bind 127.0.0.1:{port}
              default_backend be
            backend be
              server synack 127.0.0.1:{server.EndPoint().Port} {sendProxy}

            """); // HAProxy rejects a last line without its LF
        using Process proxy = Process.Start(new ProcessStartInfo(haproxy, ["-db", "-f", config]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            using Socket client = await ConnectWhenListeningAsync(new IPEndPoint(IPAddress.Loopback, port), proxy);
            await client.SendAsync("hello\n"u8.ToArray());

            string expected = $"hello from {client.LocalEndPoint}\n"; // the client's own port, not HAProxy's outbound one
            Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(await client.ReadExactlyAsync(expected.Length)));
        }
        finally
        {
            proxy.Kill(); // the HAProxy this test started, by its handle
            await proxy.WaitForExitAsync().WaitAsync(Loopback.Patience);
            File.Delete(config);
        }
    }

    /// <summary>HAProxy binds shortly after it starts: retry refused connects, bounded by the test's patience.</summary>
    private static async Task<Socket> ConnectWhenListeningAsync(IPEndPoint endPoint, Process proxy)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await Loopback.ConnectRawAsync(endPoint);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused && clock.Elapsed < Loopback.Patience)
            {
                if (proxy.HasExited)
                {
                    Assert.Fail($"haproxy exited with {proxy.ExitCode}: {await proxy.StandardOutput.ReadToEndAsync()}{await proxy.StandardError.ReadToEndAsync()}");
                }

                await Task.Delay(20);
            }
        }
    }
}
