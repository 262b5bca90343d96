using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Synack.Connections;
using Synack.FunctionalTests.Infrastructure;
using Synack.ProxyProtocol;
using Synack.Server;

namespace Synack.FunctionalTests.ProxyProtocol;

public sealed class ProxyProtocolTests
{
    /// <summary>Answers each line with the client endpoint the connection believes in.</summary>
    internal static readonly ConnectionHandler WhoAmI = async c =>
    {
        while (await c.ReadLineAsync() is { } line)
        {
            await c.SendLineAsync($"{line} from {c.ClientEndPoint}");
        }
    };

    private static byte[] Header(int version, string source, string destination)
    {
        var output = new ArrayBufferWriter<byte>();
        new ProxyHeaderCodec().Encode(new ProxyHeader(version, IPEndPoint.Parse(source), IPEndPoint.Parse(destination)), output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>PROXY listeners on either engine: the header is read with the engine's own recv() (issue 12).</summary>
    public static TheoryData<int, SynackTransport> VersionsAndTransports => new()
    {
        { 1, SynackTransport.Sockets }, { 2, SynackTransport.Sockets }, { 1, SynackTransport.Epoll }, { 2, SynackTransport.Epoll },
    };

    public static TheoryData<SynackTransport> Transports => new() { SynackTransport.Sockets, SynackTransport.Epoll };

    private static Action<ServerOptions> Proxied(SynackTransport transport, ProxyProtocolOptions proxy) => o =>
    {
        o.Transport = transport;
        o.ProxyProtocol = proxy;
    };

    [Theory]
    [MemberData(nameof(VersionsAndTransports))]
    public async Task BehindATrustedProxyTheHandlerSeesTheRealClientAndTheBytesAfterTheHeader(int version, SynackTransport transport)
    {
        await using var server = Loopback.StartServer(WhoAmI, Proxied(transport, new ProxyProtocolOptions().Trust(IPNetwork.Parse("127.0.0.0/8"))));
        Assert.Equal(transport, server.Transport);
        using Socket proxy = await Loopback.ConnectRawAsync(server.EndPoint());

        await proxy.SendAsync(Header(version, "203.0.113.7:40000", "198.51.100.1:443").Concat("hello\n"u8.ToArray()).ToArray());

        Assert.Equal("hello from 203.0.113.7:40000\n", System.Text.Encoding.ASCII.GetString(await proxy.ReadExactlyAsync(29)));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AnUntrustedPeerIsRejectedSoItCannotSpoofItsAddress(SynackTransport transport)
    {
        await using var server = Loopback.StartServer(WhoAmI, Proxied(transport, new ProxyProtocolOptions().Trust(IPNetwork.Parse("10.0.0.0/8"))));

        // Rejected with RST at once: it may already surface at connect() or while sending.
        await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using Socket spoofer = await Loopback.ConnectRawAsync(server.EndPoint());
            await spoofer.SendAsync(Header(1, "203.0.113.7:40000", "198.51.100.1:443").Concat("hello\n"u8.ToArray()).ToArray());
            await spoofer.ReadToEndAsync();
        });
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task DirectConnectionsMayBeAllowedAndThenKeepTheirOwnAddress(SynackTransport transport)
    {
        await using var server = Loopback.StartServer(WhoAmI, Proxied(transport, new ProxyProtocolOptions { AllowDirectConnections = true }.Trust(IPNetwork.Parse("10.0.0.0/8"))));
        using Socket direct = await Loopback.ConnectRawAsync(server.EndPoint());

        await direct.SendAsync("hi\n"u8.ToArray());

        string reply = System.Text.Encoding.ASCII.GetString(await direct.ReadExactlyAsync($"hi from {direct.LocalEndPoint}\n".Length));
        Assert.Equal($"hi from {direct.LocalEndPoint}\n", reply);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task AProxyThatNeverSendsTheHeaderIsAbortedAfterTheHeaderTimeout(SynackTransport transport)
    {
        var time = new FakeTimeProvider();
        var connections = new System.Collections.Concurrent.ConcurrentQueue<Connection>();
        await using var server = Loopback.StartServer(
            c => Task.CompletedTask,
            Proxied(transport, new ProxyProtocolOptions { HeaderTimeout = TimeSpan.FromSeconds(2) }.Trust(IPNetwork.Parse("127.0.0.0/8"))),
            time);
        using Socket silent = await Loopback.ConnectRawAsync(server.EndPoint());
        await silent.SendAsync("PROXY TCP4 "u8.ToArray()); // half a header, then nothing
        await Loopback.Until(() => server.ActiveConnections == 1);

        TimeSpan advanced = await time.AdvanceUntil(TimeSpan.FromMilliseconds(500), () => server.ActiveConnections == 0);

        Assert.True(advanced >= TimeSpan.FromSeconds(2), $"aborted after {advanced} of fake time, before the 2 s header timeout");
        var error = await Assert.ThrowsAsync<SocketException>(() => silent.ReadToEndAsync());
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }
}
