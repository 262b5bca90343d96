using System.CommandLine;
using System.Net;
using Synack.Cli.Common;
using Synack.Cli.Serve.Services;
using Synack.Server;

namespace Synack.Cli.Serve;

/// <summary>
/// <c>synack serve [SERVICE] [--listen EP]... [--framing F] [--drain T] [--max-connections N] [--max-buffered-bytes B] [--verbose]</c>: runs a
/// service until Ctrl-C or SIGTERM, then drains gracefully and prints how many connections finished and how many were
/// aborted. Connections turned away by the limit and pauses for lack of descriptors are logged (issue 14). Under systemd
/// it listens on the sockets it was handed (<c>--listen systemd:</c>) and tells a <c>Type=notify</c> unit when it is ready
/// and when it stops (<see cref="SystemdNotify"/>; docs/systemd.md).
/// </summary>
internal static class ServeCommand
{
    /// <summary>The default listen address: loopback only, so a forgotten server is never exposed.</summary>
    public const string DefaultListen = "127.0.0.1:7007";

    public static Command Create(CliConsole console)
    {
        var service = new Argument<string>("service")
        {
            Description = "echo | discard | chargen | daytime | lines | length",
            DefaultValueFactory = _ => "echo",
        };
        var listen = new Option<string[]>("--listen", "-l")
        {
            Description = $"endpoint to listen on, repeatable (default {DefaultListen}; [::]:PORT or *:PORT for all addresses; unix:PATH for a Unix socket; systemd: or systemd:NAME for the sockets systemd passed, fd:N for an inherited descriptor)",
            AllowMultipleArgumentsPerToken = false,
        };
        var framing = new Option<FramingMode>("--framing", "-f") { Description = "echo framing: raw | line | length (default raw)" };
        var drain = new Option<string>("--drain") { Description = "drain timeout on stop (default 30s)", DefaultValueFactory = _ => "30s" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "log each connection's open and close reason (accepted, peer FIN, RST, timeout); runs the async handler, on the same transport, instead of the inline fast path" };
        var maxConnections = new Option<int>("--max-connections")
        {
            Description = $"most connections served at once; past it a client gets FIN, counted and logged once a second (0 = no limit, i.e. the library's largest, {ServerOptions.UnlimitedConnections})",
            DefaultValueFactory = _ => new ServerOptions().MaxConnections,
        };
        var maxBuffered = new Option<long>("--max-buffered-bytes")
        {
            Description = "budget for bytes buffered across all connections (unread input + unsent output); past it the largest stop reading, then are shed, logged (0 = no budget; default a quarter of memory)",
            DefaultValueFactory = _ => ServerOptions.DefaultMaxBufferedBytes,
        };
        var transport = new Option<SynackTransport?>("--transport") { Description = "auto (default: epoll for echo and discard on Linux, sockets for the rest) | sockets (the runtime's engine) | epoll (direct epoll loops)" };

        var command = new Command("serve", "run a TCP service until Ctrl-C / SIGTERM, then drain gracefully") { service, listen, framing, drain, maxConnections, maxBuffered, verbose, transport };
        command.SetAction((parsed, cancellationToken) => RunAsync(
            console,
            ServiceCatalog.Find(parsed.GetValue(service)!),
            parsed.GetValue(listen) is { Length: > 0 } given ? given : [DefaultListen],
            parsed.GetResult(framing) is null ? null : parsed.GetValue(framing),
            Durations.Parse(parsed.GetValue(drain)!, "--drain"),
            parsed.GetValue(maxConnections),
            parsed.GetValue(maxBuffered),
            parsed.GetValue(verbose),
            parsed.GetValue(transport),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        CliConsole console, IService service, string[] listen, FramingMode? framing, TimeSpan drainTimeout, int maxConnections, long maxBuffered, bool verbose,
        SynackTransport? transport, CancellationToken stop)
    {
        if (framing is not null && framing != FramingMode.Raw && !service.TakesFraming)
        {
            throw new UsageException($"--framing applies to echo; '{service.Name}' has its own wire format");
        }

        var options = new ServerOptions
        {
            DrainTimeout = drainTimeout, MaxConnections = ConnectionLimit(maxConnections), MaxBufferedBytes = BufferBudget(maxBuffered),
        };
        options.Transport = transport ?? options.Transport;
        foreach (string endPoint in listen)
        {
            options.Listen(HostPort.ParseListen(endPoint));
        }

        var log = new ServeLog(console.Error, verbose, TimeProvider.System);
        // -v logs every accept and close from inside the handler, which takes the async handler (an inline handler has no
        // accept or close hook in the library yet); otherwise a service with an inline handler runs it (the fast path on
        // the epoll transport). Auto would move the async handler to the sockets transport, so -v keeps it on epoll, and
        // the listening line says the inline path is off.
        bool hasInline = service.CreateInline(framing ?? FramingMode.Raw) is not null;
        IInlineHandler? inline = log.Verbose ? null : service.CreateInline(framing ?? FramingMode.Raw);
        if (log.Verbose && hasInline && transport is null && options.Transport == SynackTransport.Auto)
        {
            options.Transport = SynackTransport.Epoll;
        }

        var server = inline is not null
            ? SynackServer.Start(options, inline)
            : SynackServer.Start(options, Logged(service.Create(framing ?? FramingMode.Raw), log));
        server.BufferOverload += e => log.Info(
            $"{e.Connection} {(e.Action == BufferOverloadAction.Shed ? "shed (aborted)" : e.Action.ToString().ToLowerInvariant())}: it held {e.ConnectionBytes} B, the server {e.TotalBytes} B of its {e.Budget} B budget (--max-buffered-bytes)");
        server.HandlerFaulted += (connection, error) => log.Info($"{connection} handler failed: {error.GetType().Name}: {error.Message}");
        using var admission = new AdmissionLog(server, options.MaxConnections, log, TimeProvider.System);
        foreach (EndPoint endPoint in server.LocalEndPoints)
        {
            log.Info($"{service.Name} listening on {HostPort.Show(endPoint)} (framing {service.Framing(framing ?? FramingMode.Raw)}, {server.Transport.ToString().ToLowerInvariant()} transport{(log.Verbose && hasInline ? ", async handler for -v logging, inline fast path off" : "")})");
        }

        log.Info("Ctrl-C or SIGTERM drains and stops");
        using SystemdNotify? notify = SystemdNotify.FromEnvironment();
        notify?.Send("READY=1"); // every listener accepts by now
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        notify?.Send("STOPPING=1");
        log.Info($"draining {server.ActiveConnections} connection(s), timeout {Durations.Show(drainTimeout)}");
        DrainResult result = await server.StopAsync().ConfigureAwait(false);
        log.Info($"stopped: {result.Drained} connection(s) drained, {result.Aborted} aborted, in {Durations.Show(result.Elapsed)}");
        return (int)ExitCode.Ok;
    }

    /// <summary><c>--max-connections</c>: 0 means no limit, which is the library's largest (1,000,000).</summary>
    private static int ConnectionLimit(int given) => given switch
    {
        0 => ServerOptions.UnlimitedConnections,
        < 0 or > ServerOptions.UnlimitedConnections => throw new UsageException($"--max-connections must be 0 (no limit) or 1 to {ServerOptions.UnlimitedConnections}, not {given}"),
        _ => given,
    };

    /// <summary><c>--max-buffered-bytes</c>: 0 means no budget.</summary>
    private static long BufferBudget(long given) => given switch
    {
        0 => ServerOptions.UnlimitedBufferedBytes,
        < 64 * 1024 => throw new UsageException($"--max-buffered-bytes must be 0 (no budget) or at least 65536, not {given}"),
        _ => given,
    };

    /// <summary>Wraps a handler with the lifecycle log: accepted, and the close reason once the connection ends.</summary>
    private static ConnectionHandler Logged(ConnectionHandler handler, ServeLog log) => !log.Verbose ? handler : async connection =>
    {
        log.Debug($"{connection} accepted");
        _ = connection.Closed.ContinueWith(
            closed => log.Debug($"{connection} closed: {closed.Result}"),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await handler(connection).ConfigureAwait(false);
    };
}
