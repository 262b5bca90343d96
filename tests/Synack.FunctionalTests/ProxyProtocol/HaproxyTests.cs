using System.Net;
using System.Net.Sockets;
using Synack.FunctionalTests.Infrastructure;
using Synack.ProxyProtocol;
using Synack.Server;

namespace Synack.FunctionalTests.ProxyProtocol;

/// <summary>Synack behind a real HAProxy (installed by .ci/run), speaking PROXY v1 and v2 to it. Returns at once where HAProxy is absent.</summary>
public sealed class HaproxyTests
{
    [Theory]
    [InlineData("send-proxy")]
    [InlineData("send-proxy-v2")]
    public async Task BehindHaproxyTheHandlerSeesTheRealClientNotTheProxy(string sendProxy)
    {
        string? haproxy = Haproxy.Find();
        if (haproxy is null)
        {
            Loopback.SkipUnlessCi("haproxy");
            return;
        }

        await using var server = Loopback.StartServer(ProxyProtocolTests.WhoAmI, o => o.ProxyProtocol = new ProxyProtocolOptions().Trust(IPNetwork.Parse("127.0.0.0/8")));
        int port = Loopback.UnusedPort();
        await using Haproxy proxy = await Haproxy.StartAsync(haproxy, $"""
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

            """, port);
        using Socket client = await Loopback.ConnectRawAsync(new IPEndPoint(IPAddress.Loopback, port));
        await client.SendAsync("hello\n"u8.ToArray());

        string expected = $"hello from {client.LocalEndPoint}\n"; // the client's own port, not HAProxy's outbound one
        Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(await client.ReadExactlyAsync(expected.Length)));
    }
}
