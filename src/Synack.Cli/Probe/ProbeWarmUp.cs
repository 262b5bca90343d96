using System.Net;
using System.Net.Sockets;
using Synack.Client;
using Synack.Connections;

namespace Synack.Cli.Probe;

/// <summary>
/// Pays a process's first-connect costs (JIT of the connect path, socket engine start-up) before <c>probe</c> starts its
/// clock: one connect to a loopback listener of our own, which the kernel completes from its backlog, and one that fails.
/// </summary>
internal static class ProbeWarmUp
{
    /// <summary>Warms up; returns how long the first connect took (what every timing would otherwise have included).</summary>
    public static async Task<TimeSpan> RunAsync(CancellationToken stop)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var options = new ConnectOptions { ConnectTimeout = TimeSpan.FromSeconds(5) };
        await using Connection connection = await SynackClient.ConnectAsync(listener.LocalEndPoint!, options, stop).ConfigureAwait(false);
        TimeSpan first = clock.Elapsed;
        _ = SocketReport.Describe(connection.Socket);
        connection.Abort(); // our own listener never accepted it: nothing to close gracefully with

        // The failure path too (the error and its message), through a socket file that cannot exist: still no traffic.
        var missing = new UnixDomainSocketEndPoint(Path.Combine(Path.GetTempPath(), $"synack-probe-{Guid.NewGuid():N}.sock"));
        try
        {
            await using Connection never = await SynackClient.ConnectAsync(missing, options, stop).ConfigureAwait(false);
        }
        catch (Errors.SynackException)
        {
            // expected: that was the point
        }

        return first;
    }
}
