using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Synack.Cli.Common;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;

namespace Synack.Cli.Probe;

/// <summary>
/// <c>synack probe HOST:PORT | unix:PATH [--timeout T]</c>: why can (or can't) I connect? Resolves the name, tries every
/// address in turn (not raced, so each gets its own verdict), and for a connection that works shows the endpoints and
/// the socket options in effect. Exit code 0 when some address accepted, otherwise the code of the first failure.
/// </summary>
internal static class ProbeCommand
{
    public static Command Create(CliConsole console)
    {
        var target = new Argument<string>("target") { Description = "HOST:PORT, or unix:PATH for a Unix domain socket" };
        var timeout = new Option<string>("--timeout", "-t") { Description = "per-address connect timeout", DefaultValueFactory = _ => "5s" };
        var command = new Command("probe", "diagnose a TCP connect: addresses, each attempt's timing and result, socket options") { target, timeout };
        command.SetAction((parsed, cancellationToken) => RunAsync(
            console, parsed.GetValue(target)!, Durations.Parse(parsed.GetValue(timeout)!, "--timeout"), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliConsole console, string text, TimeSpan timeout, CancellationToken stop)
    {
        bool unix = text.StartsWith(Synack.Server.ListenAddress.UnixPrefix, StringComparison.Ordinal);
        EndPoint parsed = unix ? HostPort.ParseListen(text) : HostPort.ParseConnect(text);
        console.WriteLine($"probe    {text}");

        // The first connect in a process pays for JIT and socket start-up (18-36 ms on loopback); timing that would
        // blame the network for the tool's own start-up. One connect to a listener of our own, on loopback, pays it first.
        TimeSpan warmUp = await ProbeWarmUp.RunAsync(stop).ConfigureAwait(false);
        console.WriteLine($"warm-up  first connect in this process (to a loopback listener of its own): {Durations.Show(warmUp)}, not counted below");

        IReadOnlyList<(EndPoint EndPoint, string Shown)> attempts = parsed is DnsEndPoint dns
            ? await ResolveAsync(console, dns, stop).ConfigureAwait(false)
            : [(parsed, HostPort.Show(parsed))];

        ErrorKind? firstFailure = null;
        bool connected = false;
        var clock = new Stopwatch();
        foreach ((EndPoint endPoint, string shown) in attempts)
        {
            var options = new ConnectOptions { ConnectTimeout = timeout, Connection = new ConnectionOptions { CloseTimeout = TimeSpan.FromSeconds(1) } };
            clock.Restart();
            try
            {
                await using Connection connection = await SynackClient.ConnectAsync(endPoint, options, stop).ConfigureAwait(false);
                string local = unix ? "" : $"  local {connection.LocalEndPoint} -> remote {connection.RemoteEndPoint}";
                console.WriteLine($"connect  {shown,-24} connected    {Durations.Show(clock.Elapsed),10}{local}");
                console.WriteLine($"options  {SocketReport.Describe(connection.Socket)}");
                connected = true;
                await connection.CloseAsync(stop).ConfigureAwait(false);
            }
            catch (SynackException e)
            {
                firstFailure ??= e.Kind;
                console.WriteLine($"connect  {shown,-24} {Verdict(e.Kind),-12} {Durations.Show(clock.Elapsed),10}  {e.Detail} ({SynackException.Advice(e.Kind)})");
            }
        }

        // "refused" and "timeout" are verdicts of their own, as "unreachable" (no route) is: the summary names the one
        // that happened rather than calling every failure unreachable.
        ExitCode code = connected ? ExitCode.Ok : ExitCodes.For(firstFailure ?? ErrorKind.Other);
        console.WriteLine(connected ? "result   reachable" : $"result   failed: {Verdict(firstFailure ?? ErrorKind.Other)} (exit code {(int)code})");
        return (int)code;
    }

    /// <summary>
    /// Every address of the name, or the same <see cref="ErrorKind.NameResolution"/> error <c>synack connect</c> reports
    /// for it (<c>resolve tcp HOST:PORT : no such host (...)</c>): one format for one failure.
    /// </summary>
    private static async Task<IReadOnlyList<(EndPoint, string)>> ResolveAsync(CliConsole console, DnsEndPoint target, CancellationToken stop)
    {
        if (IPAddress.TryParse(target.Host, out IPAddress? literal))
        {
            console.WriteLine($"resolve  {target.Host} is an address literal: no DNS lookup");
            return [(new IPEndPoint(literal, target.Port), HostPort.Show(target))];
        }

        var clock = Stopwatch.StartNew();
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(target.Host, stop).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            var error = new SynackException(ErrorKind.NameResolution, "resolve", SocketErrors.Describe(e.SocketErrorCode), null, target, e.SocketErrorCode, e);
            console.WriteLine($"resolve  {target.Host} failed after {Durations.Show(clock.Elapsed)}: {error.Detail}");
            throw error;
        }

        console.WriteLine($"resolve  {target.Host} -> {addresses.Length} address(es) in {Durations.Show(clock.Elapsed)}: {string.Join(", ", addresses.Select(a => a.ToString()))}");
        return addresses.Select(a => ((EndPoint)new IPEndPoint(a, target.Port), new HostPort(a.ToString(), target.Port).ToString())).ToList();
    }

    private static string Verdict(ErrorKind kind) => kind switch
    {
        ErrorKind.Refused => "refused",
        ErrorKind.TimedOut => "timeout",
        ErrorKind.Unreachable => "unreachable",
        ErrorKind.Reset => "reset",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
