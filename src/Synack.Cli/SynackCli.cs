using System.CommandLine;
using Synack.Cli.Bench;
using Synack.Cli.Common;
using Synack.Cli.Connect;
using Synack.Cli.Probe;
using Synack.Cli.Proxy;
using Synack.Cli.Serve;
using Synack.Errors;

namespace Synack.Cli;

/// <summary>
/// The <c>synack</c> command line: one subcommand per folder. Every failure ends as one line on standard error and a
/// non-zero <see cref="ExitCode"/>, never a stack trace.
/// </summary>
internal static class SynackCli
{
    /// <summary>Builds the command tree, writing to <paramref name="console"/>.</summary>
    public static RootCommand Build(CliConsole console) => new("synack: serve, connect, bench, probe and proxy TCP services")
    {
        ServeCommand.Create(console),
        ConnectCommand.Create(console),
        BenchCommand.Create(console),
        ProbeCommand.Create(console),
        ProxyCommand.Create(console),
    };

    /// <summary>Parses and runs <paramref name="args"/>; Ctrl-C / SIGTERM cancel <paramref name="cancellationToken"/>'s twin.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ParseResult parsed = Build(console).Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await console.Error.WriteLineAsync($"synack: {error.Message}").ConfigureAwait(false);
            }

            await console.Error.WriteLineAsync("Run 'synack --help' for usage.").ConfigureAwait(false);
            return (int)ExitCode.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = new StreamWriter(console.Output) { AutoFlush = true },
            Error = console.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Program.cs owns the signals and cancels the token
        };
        try
        {
            return await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await console.Error.WriteLineAsync($"synack: {e.Message}").ConfigureAwait(false);
            return (int)ExitCode.Usage;
        }
        catch (SynackException e)
        {
            await console.Error.WriteLineAsync($"synack: {e.Message}").ConfigureAwait(false);
            return (int)ExitCodes.For(e.Kind);
        }
        catch (OperationCanceledException)
        {
            return (int)ExitCode.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await console.Error.WriteLineAsync($"synack: {e.Message}").ConfigureAwait(false);
            return (int)ExitCode.Failure;
        }
    }
}
