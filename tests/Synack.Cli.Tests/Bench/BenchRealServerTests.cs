using System.Text.Json;

namespace Synack.Cli.Tests.Bench;

/// <summary>bench's protocols against the servers people run: redis-server (RESP) and nginx (HTTP/1.1).</summary>
public sealed class BenchRealServerTests
{
    // 2 s after a 500 ms warm-up, not 500 ms after 100 ms: in one full CI run (stop 20, the epoll pass, beside the functional
    // suite) nginx's first replies had not come within 600 ms, and the run counted 0 replies with 0 errors.
    private static Task<JsonElement> BenchAsync(int port, params string[] args) =>
        CliRunner.BenchJsonAsync([$"127.0.0.1:{port}", "-c", "4", "-d", "2s", "-w", "500ms", .. args]);

    [Fact]
    public async Task BenchDrivesRedisServerWithPingSetAndGetAndChecksEveryReply()
    {
        await using RealServer? redis = await RealServer.StartAsync("/usr/bin/redis-server",
            port => ["--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]);
        if (redis is null)
        {
            return;
        }

        foreach (string[] args in new[] { new[] { "--protocol", "resp" }, ["--protocol", "resp", "--command", "set", "--keyspace", "1000", "-P", "16"], ["--protocol", "resp", "--command", "get", "--keyspace", "1000"] })
        {
            JsonElement run = await BenchAsync(redis.Port, args);
            Assert.True(run.GetProperty("messages").GetInt64() > 0, string.Join(' ', args));
            Assert.Equal(0, run.GetProperty("errorCount").GetInt64());
            Assert.Equal("resp", run.GetProperty("protocol").GetString());
        }
    }

    [Fact]
    public async Task BenchDrivesNginxWithKeepAliveGetsAndCountsOnlyTwoHundredsWithTheWholeBody()
    {
        string root = Path.Combine(Path.GetTempPath(), $"synack-nginx-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(root, "www"));
        await File.WriteAllTextAsync(Path.Combine(root, "www", "index.html"), "<h1>hello from nginx</h1>\n");
        try
        {
            await using RealServer? nginx = await RealServer.StartAsync("/usr/sbin/nginx", port =>
            {
                File.WriteAllText(Path.Combine(root, "nginx.conf"), $$"""
                    daemon off; master_process off; worker_processes 1;
                    pid {{root}}/nginx.pid; error_log {{root}}/error.log;
                    events { worker_connections 256; }
                    http {
                      access_log off;
                      client_body_temp_path {{root}}/body; proxy_temp_path {{root}}/proxy; fastcgi_temp_path {{root}}/fastcgi;
                      uwsgi_temp_path {{root}}/uwsgi; scgi_temp_path {{root}}/scgi;
                      server { listen 127.0.0.1:{{port}}; root {{root}}/www; }
                    }
                    """);
                return ["-c", Path.Combine(root, "nginx.conf"), "-p", root];
            });
            if (nginx is null)
            {
                return;
            }

            JsonElement ok = await BenchAsync(nginx.Port, "--protocol", "http", "--path", "/index.html");
            Assert.True(ok.GetProperty("messages").GetInt64() > 0);
            Assert.Equal(0, ok.GetProperty("errorCount").GetInt64());

            string missing = Path.Combine(Path.GetTempPath(), $"synack-real-{Guid.NewGuid():N}.json");
            CliResult notFound = await CliRunner.RunAsync(["bench", $"127.0.0.1:{nginx.Port}", "-c", "2", "-d", "200ms", "-w", "0", "--protocol", "http", "--path", "/missing", "--json", missing]);
            Assert.Equal(1, notFound.ExitCode);
            Assert.Matches(@"errors: status +│ +2 ", notFound.Output); // a 404 is not a reply that counts
            File.Delete(missing);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
