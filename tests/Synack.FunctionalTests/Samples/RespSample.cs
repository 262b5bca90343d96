using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RespServer;
using Synack.FunctionalTests.Infrastructure;
using Synack.Hosting;

namespace Synack.FunctionalTests.Samples;

/// <summary>Starts the hosted RESP sample on free loopback ports and runs the real Redis tools (redis-tools) against it.</summary>
internal static class RespSample
{
    public const string RedisCli = "/usr/bin/redis-cli";
    public const string RedisBenchmark = "/usr/bin/redis-benchmark";

    /// <summary>The host, started on 127.0.0.1 and [::1] (port 0), and its IPv4 port.</summary>
    public static async Task<(IHost Host, int Port)> StartAsync()
    {
        IHost host = RespApp.CreateBuilder(["--Synack:Servers:Resp:Listen:0=127.0.0.1:0", "--Synack:Servers:Resp:Listen:1=[::1]:0"]).Build();
        await host.StartAsync().Within();
        var service = host.Services.GetServices<IHostedService>().OfType<SynackServerService>().Single();
        return (host, ((IPEndPoint)service.Server!.LocalEndPoints[0]).Port);
    }

    /// <summary>Runs <c>redis-cli</c> against the port; its standard output and error, together.</summary>
    public static Task<string> RedisCliAsync(int port, string arguments, string? stdin = null) => RunAsync(RedisCli, $"-h 127.0.0.1 -p {port} {arguments}", stdin);

    /// <summary>Runs each command through its own redis-cli, in order, and checks its output (redis-cli's plain format:
    /// one line per value, an empty line for nil; errors contain their message).</summary>
    public static async Task ExpectAsync(int port, params (string Command, string Output)[] script)
    {
        foreach (var (command, expected) in script)
        {
            string output = await RedisCliAsync(port, command);
            if (expected.StartsWith("ERR ", StringComparison.Ordinal) || expected.StartsWith("WRONGTYPE ", StringComparison.Ordinal))
            {
                Assert.Contains(expected, output);
            }
            else
            {
                Assert.True(expected == output, $"{command}: expected {expected.ReplaceLineEndings("\\n")}, got {output.ReplaceLineEndings("\\n")}");
            }
        }
    }

    /// <summary>Runs a tool to its end; its standard output and error, together.</summary>
    public static async Task<string> RunAsync(string tool, string arguments, string? stdin = null)
    {
        var start = new ProcessStartInfo(tool, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync().Within();
        return (await output.Within()) + (await error.Within());
    }

    /// <summary>Runs <paramref name="test"/> against a started sample (given its port), then stops it; skipped (a
    /// failure under CI) when one of <paramref name="tools"/> is not installed.</summary>
    public static async Task WithServerAsync(Func<int, Task> test, params string[] tools)
    {
        if (!tools.All(Installed))
        {
            return;
        }

        var (host, port) = await StartAsync();
        using (host)
        {
            await test(port);
            await host.StopAsync().Within();
        }
    }

    /// <summary>False (and a failure under CI) when <paramref name="tool"/> is not installed.</summary>
    public static bool Installed(string tool)
    {
        if (File.Exists(tool))
        {
            return true;
        }

        Loopback.SkipUnlessCi($"{Path.GetFileName(tool)} (apt-get install redis-tools)");
        return false;
    }
}
