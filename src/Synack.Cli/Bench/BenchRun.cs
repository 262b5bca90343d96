using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Synack.Cli.Common;
using Synack.Cli.Serve.Services;
using Synack.Server;
using Synack.Transport.Epoll;

namespace Synack.Cli.Bench;

/// <summary>One <c>synack bench</c> run: the embedded server if no target, the pinned client loops, the load, the reports.</summary>
internal static class BenchRun
{
    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static async Task<int> RunAsync(CliConsole console, BenchSettings settings, BenchOutputs outputs, CancellationToken stop)
    {
        SynackServer? server = null;
        HostPort target;
        CoreSplit cores = CoreSplit.For(CoreSplit.Allowed(), embeddedServer: settings.Target is null, settings.Threads);
        if (settings.Target is { } given)
        {
            target = given;
        }
        else
        {
            var options = new ServerOptions().Listen(IPAddress.Loopback, 0);
            options.Transport = settings.Transport ?? options.Transport;
            if (cores.ServerCpus.Count > 0)
            {
                options.Loops = new EpollLoopGroup("synack-server", cores.ServerCpus.Count, cores.ServerCpus);
            }

            var echo = new EchoService();
            server = echo.CreateInline(settings.Framing) is { } inline
                ? SynackServer.Start(options, inline)
                : SynackServer.Start(options, echo.Create(settings.Framing));
            target = new HostPort("127.0.0.1", ((IPEndPoint)server.LocalEndPoints[0]).Port);
        }

        bool epollClient = EpollLoop.IsSupported;
        EpollLoopGroup? clientLoops = epollClient ? new EpollLoopGroup("synack-bench", cores.ClientThreads, cores.ClientCpus) : null;
        string clientEngine = epollClient
            ? $"epoll inline client, {cores.ClientThreads} thread(s){(cores.ClientCpus.Count > 0 ? $" on cpu {string.Join(',', cores.ClientCpus)}" : "")}"
            : "sockets inline client";
        string serverEngine = server is null ? ""
            : $" (embedded Synack echo server, {server.Transport.ToString().ToLowerInvariant()} transport{(cores.ServerCpus.Count > 0 && server.Transport == SynackTransport.Epoll ? $" on cpu {string.Join(',', cores.ServerCpus)}" : "")})";
        string what = settings.Protocol == "echo" ? $"echo, framing {settings.Framing.ToString().ToLowerInvariant()}"
            : settings.Protocol == "resp" ? $"resp {settings.Command ?? "ping"}" : $"http GET {settings.Path}";
        console.Error.WriteLine(
            $"bench {target}{serverEngine}: {settings.Connections} connection(s) x {settings.Pipeline} in flight x {settings.Size} B, {what}, " +
            $"{(settings.Rate is { } r ? $"open loop at {r:N0} req/s, " : "")}warm-up {Durations.Show(settings.Warmup)}, measuring {Durations.Show(settings.Duration)}; {clientEngine}");

        var generator = new LoadGenerator(settings, target.Host, target.Port, clientLoops);
        DateTimeOffset started = DateTimeOffset.UtcNow;
        using var progressStop = new CancellationTokenSource();
        Task progress = ShowProgressAsync(console, generator, settings, progressStop.Token);
        LoadResult run;
        await using (Stream? hdr = outputs.Hdr is { } file ? File.Create(file.FullName) : null)
        {
            run = await generator.RunAsync(hdr, stop).ConfigureAwait(false);
        }

        await progressStop.CancelAsync().ConfigureAwait(false);
        await progress.ConfigureAwait(false);

        string? drain = null;
        if (server is not null)
        {
            DrainResult result = await server.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            drain = $"{result.Drained} drained, {result.Aborted} aborted in {Durations.Show(result.Elapsed)}";
        }

        BenchResult bench = BenchSummary.Summarize(settings, target, server is not null, run, drain) with
        {
            ClientEngine = clientEngine,
            ClientThreads = cores.ClientThreads,
            ServerTransport = server?.Transport.ToString().ToLowerInvariant(),
            CommandLine = Environment.CommandLine,
            Version = typeof(BenchRun).Assembly.GetName().Version?.ToString() ?? "",
            StartedAt = started,
        };
        ResultTable.Write(console, bench);
        if (outputs.Json is { } json)
        {
            await File.WriteAllTextAsync(json.FullName, JsonSerializer.Serialize(bench, JsonOptions), CancellationToken.None).ConfigureAwait(false);
        }

        if (outputs.Html is { } html)
        {
            await File.WriteAllTextAsync(html.FullName, HtmlReport.Render(bench), CancellationToken.None).ConfigureAwait(false);
        }

        return bench.ErrorCount == 0 && bench.Messages > 0 && !stop.IsCancellationRequested ? (int)ExitCode.Ok : (int)ExitCode.Failure;
    }

    private static async Task ShowProgressAsync(CliConsole console, LoadGenerator generator, BenchSettings settings, CancellationToken stop)
    {
        if (!console.Interactive)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        long last = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                long now = generator.Received;
                string phase = clock.Elapsed < settings.Warmup ? "warm-up" : "measuring";
                console.Error.Write(
                    $"\r{clock.Elapsed.TotalSeconds,5:F0} s  {phase,-9}  {now - last,10:N0} msg/s  {(now - last) * (double)settings.Size / (1 << 20),8:F1} MiB/s  {generator.Errors} error(s)   ");
                last = now;
            }
        }
        catch (OperationCanceledException)
        {
        }

        console.Error.WriteLine();
    }
}
