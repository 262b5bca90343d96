using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Synack.FunctionalTests.Infrastructure;

/// <summary>
/// A real HAProxy (installed by .ci/run) started for one test: writes its configuration, waits until the frontend
/// accepts connections, and on dispose stops the process by its handle and deletes the configuration.
/// </summary>
internal sealed class Haproxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _config;

    private Haproxy(Process process, string config)
    {
        _process = process;
        _config = config;
    }

    /// <summary>The haproxy executable, or null where it is not installed.</summary>
    public static string? Find() =>
        new[] { "/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists);

    /// <summary>Starts <paramref name="executable"/> with <paramref name="config"/> and returns once 127.0.0.1:<paramref name="frontPort"/> accepts.</summary>
    public static async Task<Haproxy> StartAsync(string executable, string config, int frontPort)
    {
        string path = Path.Combine(Path.GetTempPath(), $"synack-haproxy-{Guid.NewGuid():N}.cfg");
        await File.WriteAllTextAsync(path, config); // HAProxy rejects a last line without its LF
        var proxy = new Haproxy(Process.Start(new ProcessStartInfo(executable, ["-db", "-f", path]) { RedirectStandardOutput = true, RedirectStandardError = true })!, path);
        try
        {
            using Socket probe = await proxy.ConnectWhenListeningAsync(new IPEndPoint(IPAddress.Loopback, frontPort));
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(); // the HAProxy this test started, by its handle
        }

        await _process.WaitForExitAsync().WaitAsync(Loopback.Patience);
        _process.Dispose();
        File.Delete(_config);
    }

    /// <summary>HAProxy binds shortly after it starts: retry refused connects, bounded by the test's patience.</summary>
    private async Task<Socket> ConnectWhenListeningAsync(IPEndPoint endPoint)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await Loopback.ConnectRawAsync(endPoint);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused && clock.Elapsed < Loopback.Patience)
            {
                if (_process.HasExited)
                {
                    Assert.Fail($"haproxy exited with {_process.ExitCode}: {await _process.StandardOutput.ReadToEndAsync()}{await _process.StandardError.ReadToEndAsync()}");
                }

                await Task.Delay(20);
            }
        }
    }
}
