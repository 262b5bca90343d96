using System.CommandLine;
using System.Globalization;
using System.Net;
using Synack.Cli.Common;
using Synack.Client;
using Synack.Connections;

namespace Synack.Cli.Connect;

/// <summary>
/// <c>synack connect HOST:PORT | HOST PORT | unix:PATH [--framing raw|line|length] [--timeout T]</c>, or
/// <c>synack connect --listen PORT</c>: a netcat that half-closes (the session itself is <see cref="ConnectSession"/>).
/// Failures exit with their own code (refused 3, timed out 4, reset 5, name resolution 6).
/// </summary>
internal static class ConnectCommand
{
    public static Command Create(CliConsole console)
    {
        var target = new Argument<string?>("target")
        {
            Description = "HOST:PORT (localhost:7007, [::1]:7007), HOST followed by PORT as netcat takes them, or unix:PATH",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var port = new Argument<string?>("port") { Description = "the port, when HOST is given on its own", Arity = ArgumentArity.ZeroOrOne };
        var listen = new Option<string?>("--listen", "-l")
        {
            Description = "instead of connecting, wait for one connection on PORT (loopback), HOST:PORT or unix:PATH and print what it sends, like nc -l",
        };
        var framing = new Option<FramingMode>("--framing", "-f") { Description = "how stdin and replies are cut into messages (default raw)" };
        var timeout = new Option<string>("--timeout", "-t") { Description = "connect timeout", DefaultValueFactory = _ => "10s" };
        var command = new Command("connect", "copy stdin to a TCP server and its replies to stdout; half-close at end of input")
        {
            target, port, listen, framing, timeout,
        };
        command.SetAction((parsed, cancellationToken) =>
        {
            FramingMode mode = parsed.GetValue(framing);
            if (parsed.GetValue(listen) is { } where)
            {
                return parsed.GetValue(target) is { } extra
                    ? throw new UsageException($"--listen waits for a connection: give no target (got '{extra}')")
                    : ListenOnce.RunAsync(console, ListenOnce.Parse(where), mode, cancellationToken);
            }

            EndPoint endPoint = Target(parsed.GetValue(target), parsed.GetValue(port));
            return RunAsync(console, endPoint, mode, Durations.Parse(parsed.GetValue(timeout)!, "--timeout"), cancellationToken);
        });
        return command;
    }

    /// <summary><c>HOST:PORT</c> or <c>unix:PATH</c> alone, or netcat's <c>HOST PORT</c> (where an IPv6 host needs no brackets).</summary>
    internal static EndPoint Target(string? target, string? port)
    {
        if (target is null)
        {
            throw new UsageException("connect needs a target: HOST:PORT, HOST PORT or unix:PATH (or --listen PORT)");
        }

        if (port is null)
        {
            return HostPort.ParseConnect(target);
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value is < 1 or > 65535)
        {
            throw new UsageException($"malformed endpoint '{target} {port}': port '{port}' is not a number from 1 to 65535");
        }

        string host = target.StartsWith('[') && target.EndsWith(']') ? target[1..^1] : target;
        return new DnsEndPoint(host, value);
    }

    private static async Task<int> RunAsync(CliConsole console, EndPoint target, FramingMode framing, TimeSpan timeout, CancellationToken stop)
    {
        var options = new ConnectOptions { ConnectTimeout = timeout }; // clients keep idle connections: a netcat may sit silent
        await using Connection connection = await SynackClient.ConnectAsync(target, options, stop).ConfigureAwait(false);
        return await ConnectSession.RunAsync(console, connection, framing, stop).ConfigureAwait(false);
    }
}
