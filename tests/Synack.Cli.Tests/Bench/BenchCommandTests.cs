using System.IO.Pipelines;
using System.Text.Json;

namespace Synack.Cli.Tests.Bench;

public sealed class BenchCommandTests
{
    [Fact]
    public async Task BenchAgainstTheEmbeddedServerForTwoSecondsVerifiesEveryEchoAndReportsZeroErrors()
    {
        string json = Path.Combine(Path.GetTempPath(), $"synack-bench-{Guid.NewGuid():N}.json");
        string html = Path.ChangeExtension(json, ".html");
        try
        {
            CliResult result = await CliRunner.RunAsync(["bench", "--duration", "2s", "--warmup", "500ms", "--connections", "8", "--json", json, "--html", html]);

            Assert.True(result.ExitCode == 0, result.Output + result.Error);
            Assert.Contains("embedded Synack echo server", result.Error);
            Assert.Contains("latency p99.9", result.Output);
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            JsonElement root = report.RootElement;
            Assert.True(root.GetProperty("messages").GetInt64() > 0);
            Assert.Equal(0, root.GetProperty("errorCount").GetInt64());
            Assert.Equal(2.0, root.GetProperty("durationSeconds").GetDouble());
            double p50 = root.GetProperty("p50Microseconds").GetDouble(), p99 = root.GetProperty("p99Microseconds").GetDouble();
            Assert.True(p50 > 0 && p50 <= p99 && p99 <= root.GetProperty("maxMicroseconds").GetDouble());
            string page = await File.ReadAllTextAsync(html);
            Assert.Contains("<svg", page);
            Assert.Contains("<polyline class=\"line\"", page);
            Assert.DoesNotContain("<script", page);
        }
        finally
        {
            File.Delete(json);
            File.Delete(html);
        }
    }

    [Theory]
    [InlineData("line")]
    [InlineData("length")]
    public async Task BenchWithFramingPipelinesAndVerifiesEveryFrame(string framing)
    {
        CliResult result = await CliRunner.RunAsync(["bench", "-d", "500ms", "-w", "0", "-c", "4", "-P", "8", "-s", "100", "--framing", framing]);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Matches(@"errors +│ +0 ", result.Output);
    }

    [Fact]
    public async Task BenchAgainstTheEmbeddedServerOnTheEpollTransportVerifiesEveryEcho()
    {
        CliResult result = await CliRunner.RunAsync(["bench", "-d", "1s", "-w", "200ms", "-c", "8", "-P", "4", "--transport", "epoll"]);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("embedded Synack echo server, epoll transport", result.Error);
        Assert.Matches(@"errors +│ +0 ", result.Output);
    }

    [Fact]
    public async Task BenchReportsTheClientEngineAndItsThreadsAndRecordsThemInTheJson()
    {
        string json = Path.Combine(Path.GetTempPath(), $"synack-bench-{Guid.NewGuid():N}.json");
        try
        {
            CliResult result = await CliRunner.RunAsync(["bench", "-d", "500ms", "-w", "0", "-c", "4", "--threads", "2", "--json", json]);

            Assert.True(result.ExitCode == 0, result.Output + result.Error);
            Assert.Contains("epoll inline client, 2 thread(s)", result.Error);
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            JsonElement root = report.RootElement;
            Assert.Equal(2, root.GetProperty("clientThreads").GetInt32());
            Assert.StartsWith("epoll inline client", root.GetProperty("clientEngine").GetString());
            Assert.Equal("epoll", root.GetProperty("serverTransport").GetString());
            Assert.False(string.IsNullOrEmpty(root.GetProperty("version").GetString()));
            Assert.True(root.GetProperty("startedAt").GetDateTimeOffset() > DateTimeOffset.UnixEpoch);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task WhenEveryConnectionIsRefusedBenchReportsItAtOnceInsteadOfAfterTheWarmUpAndDuration()
    {
        int port = UnusedPort();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        CliResult result = await CliRunner.RunAsync(["bench", $"127.0.0.1:{port}", "-c", "5", "-w", "30s", "-d", "30s"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"errors: refused +│ +5 ", result.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"took {clock.Elapsed}: the 30 s warm-up was waited out");
    }

    private static int UnusedPort()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
    }

    [Fact]
    public async Task TransportIsAUsageErrorAgainstARemoteServer()
    {
        CliResult result = await CliRunner.RunAsync(["bench", "127.0.0.1:1", "--transport", "epoll"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--transport applies to the embedded server", result.Error);
    }

    [Fact]
    public async Task BenchWithTlsVerifiesEveryEchoThroughASelfSignedServer()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(
            created.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
        var tls = new Synack.Tls.TlsServerOptions(new System.Net.Security.SslServerAuthenticationOptions { ServerCertificate = certificate });
        await using var server = Loopback.StartServer(Synack.Server.ConnectionHandlers.Echo, o => o.Tls = tls);
        string json = Path.Combine(Path.GetTempPath(), $"synack-bench-{Guid.NewGuid():N}.json");
        try
        {
            CliResult result = await CliRunner.RunAsync(["bench", $"127.0.0.1:{server.EndPoint().Port}", "--tls", "-d", "1s", "-w", "0", "-c", "4", "--json", json]);

            Assert.True(result.ExitCode == 0, result.Output + result.Error);
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            Assert.True(report.RootElement.GetProperty("messages").GetInt64() > 0);
            Assert.Equal(0, report.RootElement.GetProperty("errorCount").GetInt64());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task TlsIsAUsageErrorAgainstTheEmbeddedServer()
    {
        CliResult result = await CliRunner.RunAsync(["bench", "--tls"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--tls needs a target", result.Error);
    }

    [Fact]
    public async Task BenchCatchesAServerThatCorruptsItsEchoAndFails()
    {
        // Echoes, but flips one bit of the 1000th byte it sees.
        await using var server = Loopback.StartServer(async c =>
        {
            long seen = 0;
            while (true)
            {
                ReadResult read = await c.Input.ReadAsync();
                byte[] data = System.Buffers.BuffersExtensions.ToArray(read.Buffer);
                if (seen <= 999 && seen + data.Length > 999)
                {
                    data[999 - seen] ^= 1;
                }

                seen += data.Length;
                c.Input.AdvanceTo(read.Buffer.End);
                await c.SendAsync(data);
                if (read.IsCompleted)
                {
                    return;
                }
            }
        });

        CliResult result = await CliRunner.RunAsync(["bench", $"127.0.0.1:{server.EndPoint().Port}", "-d", "1s", "-w", "0", "-c", "1"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"errors: corrupt +│ +1 ", result.Output);
    }

    [Fact]
    public async Task BenchAgainstAClosedPortCountsRefusedConnectionsAndFails()
    {
        CliResult result = await CliRunner.RunAsync(["bench", $"127.0.0.1:{Loopback.UnusedPort()}", "-d", "200ms", "-w", "0", "-c", "3"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"errors: refused +│ +3 ", result.Output);
    }

    [Theory]
    [InlineData("--connections", "0")]
    [InlineData("--pipeline", "5000")]
    [InlineData("--size", "0")]
    [InlineData("--duration", "2 weeks")]
    [InlineData("--framing", "xml")]
    public async Task OutOfRangeBenchSettingsGiveOneClearLineAndTheUsageExitCode(string option, string value)
    {
        CliResult result = await CliRunner.RunAsync(["bench", option, value]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("synack: ", result.Error);
    }
}
