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
/// <c>synack probe HOST:PORT [--timeout T]</c>: why can (or can't) I connect? Resolves the name, tries every address in
/// turn (not raced, so each gets its own verdict), and for a connection that works shows the endpoints and the socket
/// options in effect. Exit code 0 when some address accepted, otherwise the code of the first failure.
/// </summary>
internal static class ProbeCommand
{
    public static Command Create(CliConsole console)
    {
        var target = new Argument<string>("target") { Description = "HOST:PORT" };
        var timeout = new Option<string>("--timeout", "-t") { Description = "per-address connect timeout (default 5s)", DefaultValueFactory = _ => "5s" };
        var command = new Command("probe", "diagnose a TCP connect: addresses, each attempt's timing and result, socket options") { target, timeout };
        command.SetAction((parsed, cancellationToken) => RunAsync(
            console, HostPort.Parse(parsed.GetValue(target)!), Durations.Parse(parsed.GetValue(timeout)!, "--timeout"), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliConsole console, HostPort target, TimeSpan timeout, CancellationToken stop)
    {
        console.WriteLine($"probe    {target}");
        IPAddress[] addresses;
        var clock = Stopwatch.StartNew();
        if (IPAddress.TryParse(target.Host, out IPAddress? literal))
        {
            addresses = [literal];
            console.WriteLine($"resolve  {target.Host} is an address literal: no DNS lookup");
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(target.Host, stop).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                console.WriteLine($"resolve  {target.Host}: failed after {Durations.Show(clock.Elapsed)}: {SocketErrors.Describe(e.SocketErrorCode)}");
                throw new SynackException(ErrorKind.NameResolution, "lookup", $"no such host {target.Host}", socketError: e.SocketErrorCode, innerException: e);
            }

            console.WriteLine($"resolve  {target.Host} -> {addresses.Length} address(es) in {Durations.Show(clock.Elapsed)}: {string.Join(", ", addresses.Select(a => a.ToString()))}");
        }

        ErrorKind? firstFailure = null;
        bool connected = false;
        foreach (IPAddress address in addresses)
        {
            var endPoint = new IPEndPoint(address, target.Port);
            string shown = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{target.Port}" : endPoint.ToString();
            var options = new ConnectOptions { ConnectTimeout = timeout, Connection = new ConnectionOptions { CloseTimeout = TimeSpan.FromSeconds(1) } };
            clock.Restart();
            try
            {
                await using Connection connection = await SynackClient.ConnectAsync(endPoint, options, stop).ConfigureAwait(false);
                console.WriteLine($"connect  {shown,-24} connected    {Durations.Show(clock.Elapsed),10}  local {connection.LocalEndPoint} -> remote {connection.RemoteEndPoint}");
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

        ExitCode code = connected ? ExitCode.Ok : ExitCodes.For(firstFailure ?? ErrorKind.Other);
        console.WriteLine(connected ? "result   reachable" : $"result   unreachable: {Verdict(firstFailure ?? ErrorKind.Other)} (exit code {(int)code})");
        return (int)code;
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
