using System.Net;
using Synack.Cli.Common;
using Synack.Connections;
using Synack.Server;

namespace Synack.Cli.Connect;

/// <summary>
/// <c>synack connect --listen PORT</c>, netcat's <c>nc -l</c>: waits for one connection, then runs the same session as
/// a dialled one (what the peer sends is printed, stdin is sent to it) and exits when it ends. A bare port means
/// loopback (127.0.0.1), as everywhere in this tool, so a forgotten listener is never exposed; give <c>[::]:PORT</c>
/// or <c>0.0.0.0:PORT</c> to accept from other hosts.
/// </summary>
internal static class ListenOnce
{
    /// <summary>A listen argument: <c>PORT</c> (loopback), <c>HOST:PORT</c> with an address literal, or <c>unix:PATH</c>.</summary>
    public static EndPoint Parse(string text) =>
        text.Length > 0 && text.All(char.IsAsciiDigit)
            ? HostPort.ParseListen($"127.0.0.1:{text}")
            : HostPort.ParseListen(text);

    /// <summary>Listens, serves the first connection, and returns the session's exit code.</summary>
    public static async Task<int> RunAsync(CliConsole console, EndPoint listen, FramingMode framing, CancellationToken stop)
    {
        var first = new TaskCompletionSource<Connection>(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new ServerOptions
        {
            MaxConnections = 1, // nc -l serves one peer; a second is accepted and closed, not left in the backlog
            Connection = new ConnectionOptions { IdleTimeout = Timeout.InfiniteTimeSpan }, // a netcat may sit silent
        };
        options.Listen(listen);
        await using var server = SynackServer.Start(options, async connection =>
        {
            if (!first.TrySetResult(connection))
            {
                return;
            }

            try
            {
                done.TrySetResult(await ConnectSession.RunAsync(console, connection, framing, stop).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        });
        foreach (EndPoint endPoint in server.LocalEndPoints)
        {
            await console.Error.WriteLineAsync($"listening on {HostPort.Show(endPoint)}; waiting for one connection").ConfigureAwait(false);
        }

        try
        {
            Connection connection = await first.Task.WaitAsync(stop).ConfigureAwait(false);
            await console.Error.WriteLineAsync($"connection from {connection.RemoteEndPoint}").ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return (int)ExitCode.Ok; // Ctrl-C before anyone connected
        }

        return await done.Task.ConfigureAwait(false);
    }
}
