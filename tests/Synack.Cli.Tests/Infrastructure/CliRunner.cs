using System.Net;
using System.Text;
using Synack.Cli.Common;
using Synack.FunctionalTests.Infrastructure;

namespace Synack.Cli.Tests.Infrastructure;

/// <summary>What a command printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>Standard output as raw bytes (connect copies binary data).</summary>
    public byte[] OutputBytes { get; init; } = [];
}

/// <summary>Runs <c>synack</c> commands in-process with in-memory standard streams.</summary>
internal static class CliRunner
{
    public static async Task<CliResult> RunAsync(string[] args, byte[]? stdin = null)
    {
        var output = new MemoryStream();
        var error = new CapturingWriter();
        var console = new CliConsole(new MemoryStream(stdin ?? []), output, error, Interactive: false);
        int code = await SynackCli.RunAsync(args, console).WaitAsync(Loopback.Patience);
        byte[] bytes = output.ToArray();
        return new CliResult(code, Encoding.UTF8.GetString(bytes), error.Text) { OutputBytes = bytes };
    }

    /// <summary>
    /// Runs <c>synack bench ARGS --json FILE</c> in a child process; returns what it printed and the JSON report. For the
    /// runs that hold a rate: in this test host, a bench run after others (a 50M/s flood, or the whole class on epoll)
    /// reached 60-95 % of its rate now and then: after the flood the test host's tiered compilation thread kept 22 %,
    /// 10 % and 6 % of a core busy in the next three seconds (sampled from /proc, stop 20), beside the next run's pinned
    /// loops. A child process runs the CLI as users do, with its own runtime settings and nothing before it.
    /// </summary>
    public static async Task<(string Output, System.Text.Json.JsonElement Report)> BenchInChildAsync(params string[] args)
    {
        string json = Path.Combine(Path.GetTempPath(), $"synack-bench-{Guid.NewGuid():N}.json");
        try
        {
            string cli = Path.Combine(AppContext.BaseDirectory, "Synack.Cli.dll");
            var start = new System.Diagnostics.ProcessStartInfo("dotnet", [cli, "bench", .. args, "--json", json])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var child = System.Diagnostics.Process.Start(start)!;
            Task<string> stdout = child.StandardOutput.ReadToEndAsync();
            Task<string> stderr = child.StandardError.ReadToEndAsync();
            await child.WaitForExitAsync().WaitAsync(Loopback.Patience);
            string output = await stdout + await stderr;
            using var report = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(json));
            return (output, report.RootElement.Clone());
        }
        finally
        {
            File.Delete(json);
        }
    }

    /// <summary>Runs <c>synack bench ARGS --json FILE</c>, asserts it succeeded, and returns the JSON report.</summary>
    public static async Task<System.Text.Json.JsonElement> BenchJsonAsync(params string[] args)
    {
        string json = Path.Combine(Path.GetTempPath(), $"synack-bench-{Guid.NewGuid():N}.json");
        try
        {
            CliResult result = await RunAsync(["bench", .. args, "--json", json]);
            Assert.True(result.ExitCode == 0, result.Output + result.Error);
            using var report = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(json));
            return report.RootElement.Clone();
        }
        finally
        {
            File.Delete(json);
        }
    }

    /// <summary>Starts <c>synack serve ...</c> on an ephemeral loopback port and waits until it listens.</summary>
    public static async Task<RunningServe> ServeAsync(params string[] args)
    {
        var error = new CapturingWriter();
        var console = new CliConsole(new MemoryStream(), new MemoryStream(), error, Interactive: false);
        var stop = new CancellationTokenSource();
        Task<int> running = SynackCli.RunAsync(["serve", .. args, "--listen", "127.0.0.1:0"], console, stop.Token);
        string listening = await await Task.WhenAny(error.LineContaining("listening on"), running.ContinueWith(t => $"exited early: {t.Result}\n{error.Text}"));
        Assert.Contains("listening on", listening);
        int port = int.Parse(listening[(listening.LastIndexOf(':') + 1)..].Split(' ')[0]);
        return new RunningServe(new IPEndPoint(IPAddress.Loopback, port), error, stop, running);
    }
}

/// <summary>A <c>synack serve</c> running in-process; <see cref="StopAsync"/> is Ctrl-C.</summary>
internal sealed record RunningServe(IPEndPoint EndPoint, CapturingWriter Log, CancellationTokenSource Stop, Task<int> Running) : IAsyncDisposable
{
    public string Target => $"127.0.0.1:{EndPoint.Port}";

    public async Task<int> StopAsync()
    {
        await Stop.CancelAsync();
        return await Running.WaitAsync(Loopback.Patience);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Running.IsCompleted)
        {
            await StopAsync();
        }

        Stop.Dispose();
    }
}
