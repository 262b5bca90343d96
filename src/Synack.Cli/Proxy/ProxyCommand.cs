using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Synack.Cli.Common;
using Synack.Testing.Proxy;

namespace Synack.Cli.Proxy;

/// <summary>
/// <c>synack proxy LISTEN UPSTREAM [--fault SPEC]... [-v]</c>: a fault-injecting TCP proxy (toxiproxy's faults, one
/// process). With no fault it forwards byte-exactly, half-close included. Runs until Ctrl-C / SIGTERM.
/// </summary>
internal static class ProxyCommand
{
    public static Command Create(CliConsole console)
    {
        var listen = new Argument<string>("listen") { Description = "where clients connect, e.g. 127.0.0.1:7008 (port 0 picks one)" };
        var upstream = new Argument<string>("upstream") { Description = "the real server, HOST:PORT" };
        var faults = new Option<string[]>("--fault")
        {
            Description = "a fault, repeatable: " + string.Join(" | ", FaultCatalog.Usages) + "; each also takes direction=up|down|both and p=0..1",
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "log each proxied connection" };
        var command = new Command("proxy", "forward TCP to a server, injecting latency, slicing, resets, black holes") { listen, upstream, faults, verbose };
        command.SetAction((parsed, cancellationToken) => RunAsync(
            console,
            HostPort.ParseListen(parsed.GetValue(listen)!) as IPEndPoint ?? throw new UsageException("proxy listens on TCP: give HOST:PORT"),
            HostPort.Parse(parsed.GetValue(upstream)!),
            (parsed.GetValue(faults) ?? []).Select(ParseFault).ToArray(),
            parsed.GetValue(verbose),
            cancellationToken));
        return command;
    }

    private static Fault ParseFault(string spec)
    {
        try
        {
            return FaultCatalog.Parse(spec);
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException or OverflowException)
        {
            throw new UsageException($"--fault {spec}: {e.Message}");
        }
    }

    private static async Task<int> RunAsync(CliConsole console, IPEndPoint listen, HostPort upstream, Fault[] faults, bool verbose, CancellationToken stop)
    {
        EndPoint target = IPAddress.TryParse(upstream.Host, out IPAddress? address)
            ? new IPEndPoint(address, upstream.Port)
            : new DnsEndPoint(upstream.Host, upstream.Port);
        FaultProxy proxy;
        try
        {
            proxy = new FaultProxy(listen, target, faults);
        }
        catch (SocketException e)
        {
            throw Errors.SocketErrors.FromSocketError(e.SocketErrorCode, "listen", listen, inner: e);
        }

        await using (proxy.ConfigureAwait(false))
        {
            if (verbose)
            {
                proxy.ConnectionOpened += client => console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} proxy {client} -> {upstream}");
            }

            proxy.Start();
            string shown = faults.Length == 0 ? "no faults" : string.Join(", ", faults.Select(f => $"{f.GetType().Name.Replace("Fault", "", StringComparison.Ordinal)} ({f.Direction})"));
            console.Error.WriteLine($"proxy listening on {proxy.LocalEndPoint} -> {upstream} with {shown}; Ctrl-C stops");
            try
            {
                await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            console.Error.WriteLine($"proxy stopped after {proxy.Accepted} connection(s)");
        }

        return (int)ExitCode.Ok;
    }
}
