using System.Diagnostics;

namespace Synack.FunctionalTests.Infrastructure;

/// <summary>
/// A real client program (curl, ab, wrk, slowhttptest) run once, bounded: its output is collected, and a run past its
/// time is killed by its handle (this test's own child, never by name) and fails the test. A program that is missing
/// returns null outside CI and fails the test under CI (<see cref="Loopback.SkipUnlessCi"/>).
/// </summary>
internal static class ExternalTool
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string All => Output + Error;
    }

    /// <summary>Whether <paramref name="path"/> exists; when not, it is a skip outside CI and a failure under it.</summary>
    public static bool IsInstalled(string path, string package)
    {
        if (File.Exists(path))
        {
            return true;
        }

        Loopback.SkipUnlessCi($"{path} (apt-get install {package}; .ci/run installs it)");
        return false;
    }

    /// <summary>Runs <paramref name="path"/> with <paramref name="arguments"/> (each one argument, no shell) for at most <paramref name="limit"/>.</summary>
    public static async Task<Result> RunAsync(string path, IEnumerable<string> arguments, TimeSpan limit)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // by handle: the process this call started
            await process.WaitForExitAsync().WaitAsync(Loopback.Patience);
            Assert.Fail($"{Path.GetFileName(path)} {string.Join(' ', arguments)} ran past {limit}: {await output}{await error}");
        }

        return new Result(process.ExitCode, await output.WaitAsync(Loopback.Patience), await error.WaitAsync(Loopback.Patience));
    }
}
