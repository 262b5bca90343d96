using System.Diagnostics;
using System.Threading.Channels;

namespace Synack.FunctionalTests.Infrastructure;

/// <summary>
/// A real <c>nc</c> (netcat-openbsd; CI installs it) connected to a loopback port: lines written to its stdin go to the
/// server, lines the server sends are read from its stdout as they come. Killed, by its own process id, when disposed.
/// </summary>
internal sealed class NetcatClient : IAsyncDisposable
{
    public const string Path = "/usr/bin/nc";

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Task _reading;

    private NetcatClient(Process process)
    {
        _process = process;
        _reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                _lines.Writer.TryWrite(line);
            }

            _lines.Writer.TryComplete();
        });
    }

    /// <summary>True when nc is installed; otherwise the caller returns (skips), or fails under CI.</summary>
    public static bool IsInstalled()
    {
        if (File.Exists(Path))
        {
            return true;
        }

        Loopback.SkipUnlessCi("nc (apt-get install netcat-openbsd)");
        return false;
    }

    /// <summary>Starts <c>nc -N 127.0.0.1 PORT</c> (-N: FIN once stdin ends).</summary>
    public static NetcatClient Connect(int port)
    {
        var start = new ProcessStartInfo(Path, $"-N 127.0.0.1 {port}")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return new NetcatClient(Process.Start(start)!);
    }

    /// <summary>Sends one line.</summary>
    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n");
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Reads lines until one satisfies <paramref name="match"/> and returns it; fails if nc's output ends first.</summary>
    public async Task<string> ExpectAsync(Func<string, bool> match, string what)
    {
        using var timeout = new CancellationTokenSource(Loopback.Patience);
        try
        {
            while (true)
            {
                string line = await _lines.Reader.ReadAsync(timeout.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new Xunit.Sdk.XunitException($"nc never printed {what} ({(e is ChannelClosedException ? "its output ended" : "timed out")})");
        }
    }

    /// <summary>Reads lines until <paramref name="line"/> itself.</summary>
    public Task<string> ExpectAsync(string line) => ExpectAsync(l => l == line, $"'{line}'");

    /// <summary>The next line, whatever it is.</summary>
    public Task<string> NextAsync() => ExpectAsync(_ => true, "another line");

    /// <summary>Waits for nc to exit by itself (the server closed the connection); returns its exit code.</summary>
    public async Task<int> ExitedAsync()
    {
        await _process.WaitForExitAsync().Within();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(); // this process only, by its id: the one this test started
        }

        await _process.WaitForExitAsync().Within();
        await _reading.Within();
        _process.Dispose();
    }
}
