using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Synack.FunctionalTests.Infrastructure;

namespace Synack.Cli.Tests.Infrastructure;

/// <summary>
/// A real server the bench is compared with (redis-server, nginx) as a child process on a loopback port: started with
/// its own configuration, waited for until it accepts, stopped by its PID. Under CI (which installs the packages) a
/// missing program fails the test; elsewhere the test returns early.
/// </summary>
internal sealed class RealServer : IAsyncDisposable
{
    private readonly Process _process;

    private RealServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts <paramref name="program"/> with <paramref name="arguments"/> made for <c>port</c>; null when it is not installed (outside CI).</summary>
    public static async Task<RealServer?> StartAsync(string program, Func<int, string[]> arguments)
    {
        if (!File.Exists(program))
        {
            Loopback.SkipUnlessCi($"{program} (.ci/run installs it)");
            return null;
        }

        int port = FreePort();
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments(port))
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        var server = new RealServer(process, port);
        var deadline = Stopwatch.StartNew();
        while (!await AcceptsAsync(port))
        {
            if (process.HasExited || deadline.Elapsed > Loopback.Patience)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"{program} did not start listening on {port}: {await errors.WaitAsync(TimeSpan.FromSeconds(5))}");
            }

            await Task.Delay(20); // polling a port that is not yet open: there is no event to wait for
        }

        return server;
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(); // by handle: this process's own child
            await _process.WaitForExitAsync().WaitAsync(Loopback.Patience);
        }

        _process.Dispose();
    }
}
