using System.CommandLine;
using System.CommandLine.Help;
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
    /// <summary>
    /// Builds the command tree, writing to <paramref name="console"/>. The root is a plain command named <c>synack</c>
    /// rather than a <see cref="RootCommand"/>, which names itself after the entry assembly (<c>Synack.Cli</c>) in
    /// every usage line; it gets the same help and version options.
    /// </summary>
    public static Command Build(CliConsole console)
    {
        var root = new Command("synack", "synack: serve, connect, bench, probe and proxy TCP services")
        {
            new HelpOption(),
            new VersionOption(),
            ServeCommand.Create(console),
            ConnectCommand.Create(console),
            BenchCommand.Create(console),
            ProbeCommand.Create(console),
            ProxyCommand.Create(console),
        };
        CliConventions.Apply(root);
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; Ctrl-C / SIGTERM cancel <paramref name="cancellationToken"/>'s twin.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        ParseResult parsed = Build(console).Parse(args);
        IReadOnlyList<string> errors = parsed.Action is HelpAction ? [] : ParseErrors.Describe(parsed);
        if (errors.Count > 0)
        {
            foreach (string error in errors)
            {
                await console.Error.WriteLineAsync($"synack: {error}").ConfigureAwait(false);
            }

            // Point at the help of the command that was typed, where the option that was meant is listed.
            string command = parsed.CommandResult.Command.Name == "synack" ? "synack" : $"synack {parsed.CommandResult.Command.Name}";
            await console.Error.WriteLineAsync($"Run '{command} --help' for usage.").ConfigureAwait(false);
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
            if (parsed.Action is HelpAction)
            {
                return await WriteHelpAsync(parsed, configuration).ConfigureAwait(false);
            }

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

    /// <summary>Writes the parser's help through <see cref="HelpText.Correct"/>.</summary>
    private static async Task<int> WriteHelpAsync(ParseResult parsed, InvocationConfiguration configuration)
    {
        var help = new StringWriter();
        var capturing = new InvocationConfiguration { Output = help, Error = configuration.Error, EnableDefaultExceptionHandler = false };
        int code = await parsed.InvokeAsync(capturing).ConfigureAwait(false);
        await configuration.Output.WriteAsync(HelpText.Correct(help.ToString(), parsed.CommandResult.Command)).ConfigureAwait(false);
        return code;
    }
}
