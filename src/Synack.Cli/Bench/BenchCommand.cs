using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using HdrHistogram;
using Synack.Cli.Common;
using Synack.Cli.Serve.Services;
using Synack.Server;
using Synack.Transport.Epoll;

namespace Synack.Cli.Bench;

/// <summary>
/// <c>synack bench [HOST:PORT] [-c N] [-P N] [-s BYTES] [-d T] [--warmup T] [--framing F] [--json FILE] [--html FILE]</c>.
/// With no target it starts an embedded Synack echo server on an ephemeral loopback port and benchmarks that.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliConsole console)
    {
        var target = new Argument<string?>("target") { Description = "HOST:PORT of an echo server (default: an embedded one on loopback)", Arity = ArgumentArity.ZeroOrOne };
        var connections = new Option<int>("--connections", "-c") { Description = "concurrent connections (default 50)", DefaultValueFactory = _ => 50 };
        var pipeline = new Option<int>("--pipeline", "-P") { Description = "messages in flight per connection (default 1)", DefaultValueFactory = _ => 1 };
        var size = new Option<int>("--size", "-s") { Description = "payload bytes per message (default 32)", DefaultValueFactory = _ => 32 };
        var duration = new Option<string>("--duration", "-d") { Description = "measured time (default 5s)", DefaultValueFactory = _ => "5s" };
        var warmup = new Option<string>("--warmup", "-w") { Description = "unmeasured warm-up (default 1s)", DefaultValueFactory = _ => "1s" };
        var framing = new Option<FramingMode>("--framing", "-f") { Description = "raw | line | length (default raw)" };
        var json = new Option<FileInfo?>("--json") { Description = "write the results as JSON to this file" };
        var html = new Option<FileInfo?>("--html") { Description = "write a self-contained HTML report with a latency chart" };
        var threads = new Option<int?>("--threads", "-t") { Description = "client loop threads (default: one per core the embedded server does not use; all cores for a remote server)" };
        var transport = new Option<SynackTransport?>("--transport") { Description = "the embedded server's transport: auto (default: epoll on Linux for the raw echo) | sockets | epoll" };

        var command = new Command("bench", "load-test an echo server: throughput, latency percentiles, CPU, errors")
        {
            target, connections, pipeline, size, duration, warmup, framing, json, html, transport, threads,
        };
        command.SetAction((parsed, cancellationToken) =>
        {
            var settings = new BenchSettings
            {
                Target = parsed.GetValue(target) is { } text ? HostPort.Parse(text) : null,
                Connections = parsed.GetValue(connections),
                Pipeline = parsed.GetValue(pipeline),
                Size = parsed.GetValue(size),
                Duration = Durations.Parse(parsed.GetValue(duration)!, "--duration"),
                Warmup = Durations.Parse(parsed.GetValue(warmup)!, "--warmup"),
                Framing = parsed.GetValue(framing),
                Transport = parsed.GetValue(transport),
                Threads = parsed.GetValue(threads),
            }.Validate();
            return RunAsync(console, settings, parsed.GetValue(json), parsed.GetValue(html), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliConsole console, BenchSettings settings, FileInfo? json, FileInfo? html, CancellationToken stop)
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
        console.Error.WriteLine(
            $"bench {target}{serverEngine}: {settings.Connections} connection(s) x {settings.Pipeline} in flight x {settings.Size} B, " +
            $"framing {settings.Framing.ToString().ToLowerInvariant()}, warm-up {Durations.Show(settings.Warmup)}, measuring {Durations.Show(settings.Duration)}; {clientEngine}");

        var generator = new LoadGenerator(settings, target.Host, target.Port, clientLoops);
        DateTimeOffset started = DateTimeOffset.UtcNow;
        using var progressStop = new CancellationTokenSource();
        Task progress = ShowProgressAsync(console, generator, settings, progressStop.Token);
        var run = await generator.RunAsync(stop).ConfigureAwait(false);
        await progressStop.CancelAsync().ConfigureAwait(false);
        await progress.ConfigureAwait(false);

        string? drain = null;
        if (server is not null)
        {
            DrainResult result = await server.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            drain = $"{result.Drained} drained, {result.Aborted} aborted in {Durations.Show(result.Elapsed)}";
        }

        BenchResult bench = Summarize(settings, target, server is not null, run.Messages, run.Latency, run.Seconds, run.Cpu, run.Errors, drain) with
        {
            ClientEngine = clientEngine,
            ClientThreads = cores.ClientThreads,
            ServerTransport = server?.Transport.ToString().ToLowerInvariant(),
            CommandLine = Environment.CommandLine,
            Version = typeof(BenchCommand).Assembly.GetName().Version?.ToString() ?? "",
            StartedAt = started,
        };
        ResultTable.Write(console, bench);
        if (json is not null)
        {
            await File.WriteAllTextAsync(json.FullName, JsonSerializer.Serialize(bench, JsonOptions), CancellationToken.None).ConfigureAwait(false);
        }

        if (html is not null)
        {
            await File.WriteAllTextAsync(html.FullName, HtmlReport.Render(bench), CancellationToken.None).ConfigureAwait(false);
        }

        return bench.ErrorCount == 0 && bench.Messages > 0 && !stop.IsCancellationRequested ? (int)ExitCode.Ok : (int)ExitCode.Failure;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The percentiles plotted in the HTML report and written to JSON.</summary>
    private static readonly double[] Plotted =
        [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 97.5, 99, 99.5, 99.75, 99.9, 99.95, 99.99, 99.995, 99.999, 100];

    private static BenchResult Summarize(
        BenchSettings settings, HostPort target, bool embedded, long messages, LongHistogram latency, double seconds, TimeSpan cpu,
        IReadOnlyDictionary<string, long> errors, string? drain)
    {
        double Us(double percentile) => latency.TotalCount == 0 ? 0 : latency.GetValueAtPercentile(percentile) / 1000.0;
        return new BenchResult
        {
            Target = target.ToString(),
            EmbeddedServer = embedded,
            Connections = settings.Connections,
            Pipeline = settings.Pipeline,
            Size = settings.Size,
            Framing = settings.Framing.ToString().ToLowerInvariant(),
            WarmupSeconds = settings.Warmup.TotalSeconds,
            DurationSeconds = seconds,
            Messages = messages,
            MessagesPerSecond = messages / seconds,
            MebibytesPerSecond = messages * (double)settings.Size / seconds / (1 << 20),
            P50Microseconds = Us(50),
            P90Microseconds = Us(90),
            P99Microseconds = Us(99),
            P999Microseconds = Us(99.9),
            MaxMicroseconds = latency.TotalCount == 0 ? 0 : latency.GetMaxValue() / 1000.0,
            MeanMicroseconds = latency.TotalCount == 0 ? 0 : latency.GetMean() / 1000.0,
            LatencyPercentiles = Plotted.Select(p => new LatencyPoint(p, Us(p))).ToArray(),
            CpuPercent = cpu.TotalSeconds / seconds * 100,
            CpuMicrosecondsPerMessage = messages == 0 ? 0 : cpu.TotalMicroseconds / messages,
            Errors = errors,
            ServerDrain = drain,
        };
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
