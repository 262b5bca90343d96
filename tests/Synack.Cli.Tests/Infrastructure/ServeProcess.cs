using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Synack.Cli.Tests.Infrastructure;

/// <summary>
/// <c>synack serve ...</c> as a child process (what only a process can show: signals, and limits such as
/// <c>ulimit -n</c> that apply to a whole process), its standard error captured line by line.
/// </summary>
internal sealed class ServeProcess(Process process, IPEndPoint endPoint, CapturingWriter log, Task pump) : IDisposable
{
    private readonly Process _process = process;
    private readonly Task _pump = pump;

    public IPEndPoint EndPoint => endPoint;

    public CapturingWriter Log => log;

    /// <summary>
    /// Starts <c>serve ARGS --listen 127.0.0.1:0</c> through bash, after <paramref name="shellPrefix"/> (for example
    /// <c>ulimit -n 128;</c>), and waits until it listens.
    /// </summary>
    public static async Task<ServeProcess> StartAsync(string shellPrefix, params string[] args)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Synack.Cli.dll");
        string command = $"{shellPrefix} exec dotnet '{cli}' serve {string.Join(' ', args)} --listen 127.0.0.1:0";
        return await StartAsync(new ProcessStartInfo("bash", ["-c", command]));
    }

    /// <summary>Starts a process that runs <c>serve</c> (standard output and error are redirected here) and waits until it listens.</summary>
    public static async Task<ServeProcess> StartAsync(ProcessStartInfo start)
    {
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        Process process = Process.Start(start)!;
        var log = new CapturingWriter();
        Task pump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                log.WriteLine(line);
            }
        });
        string listening = await log.LineContainingOrExit("listening on", pump);
        int port = int.Parse(listening[(listening.LastIndexOf(':') + 1)..].Split(' ')[0], CultureInfo.InvariantCulture);
        return new ServeProcess(process, new IPEndPoint(IPAddress.Loopback, port), log, pump);
    }

    /// <summary>The first line containing <paramref name="fragment"/>; fails at once if the process ends first.</summary>
    public Task<string> LineContaining(string fragment) => Log.LineContainingOrExit(fragment, _pump);

    /// <summary>Sends SIGTERM (to this child only, by its PID) and returns its exit code once it has ended.</summary>
    public async Task<int> TerminateAsync()
    {
        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])!)
        {
            await kill.WaitForExitAsync().WaitAsync(Loopback.Patience);
        }

        await _process.WaitForExitAsync().WaitAsync(Loopback.Patience);
        await _pump.WaitAsync(Loopback.Patience);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(); // only the process this test started, by its handle
        }

        _process.Dispose();
    }
}
