using System.CommandLine;
using Synack.Cli.Common;

namespace Synack.Cli.Tests.Common;

/// <summary>The help and parse errors every command shares: the tool's name, defaults, enums, typos, aliases.</summary>
public sealed class HelpConventionsTests
{
    public static TheoryData<string> Commands => ["serve", "connect", "bench", "probe", "proxy"];

    [Fact]
    public async Task UsageLinesNameTheToolSynackNotItsAssembly()
    {
        CliResult root = await CliRunner.RunAsync(["--help"]);
        CliResult connect = await CliRunner.RunAsync(["connect", "--help"]);

        Assert.Equal(0, root.ExitCode);
        Assert.Contains("  synack [command] [options]", root.Output);
        Assert.Contains("  synack connect ", connect.Output);
        Assert.DoesNotContain("Synack.Cli", root.Output + connect.Output);
    }

    [Fact]
    public async Task TheCommandListShowsOptionalArgumentsInBracketsAndRequiredOnesWithout()
    {
        CliResult root = await CliRunner.RunAsync(["--help"]);

        Assert.Contains("  bench [<target>]  ", root.Output);
        Assert.Contains("  serve [<service>]  ", root.Output);
        Assert.Contains("  probe <target>  ", root.Output);
        Assert.Contains("  proxy <listen> <upstream>  ", root.Output);
        // still one aligned column: every description starts where the first one does
        string[] rows = root.Output[root.Output.IndexOf("Commands:", StringComparison.Ordinal)..].Split('\n')[1..]
            .TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(5, rows.Length);
        Assert.Single(rows.Select(DescriptionColumn).Distinct());
    }

    private static int DescriptionColumn(string row)
    {
        int gap = row.IndexOf("  ", 2, StringComparison.Ordinal);
        return gap + (row.Length - gap - row[gap..].TrimStart().Length);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task EachDefaultIsPrintedOnce(string command)
    {
        CliResult help = await CliRunner.RunAsync([command, "--help"]);

        Assert.Equal(0, help.ExitCode);
        Assert.DoesNotContain(help.Output.Split('\n'), line => line.Contains("(default", StringComparison.Ordinal) && line.Contains("[default:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EnumOptionsShowTheirValuesAsTheyAreTyped()
    {
        CliResult serve = await CliRunner.RunAsync(["serve", "--help"]);

        Assert.Contains("--framing <raw|line|length>", serve.Output);
        Assert.Contains("--transport <auto|sockets|epoll>", serve.Output);
        Assert.DoesNotContain("Length|Line|Raw", serve.Output);
    }

    [Fact]
    public async Task ABadEnumValueListsTheValuesAndNeverTheTypeName()
    {
        CliResult bad = await CliRunner.RunAsync(["connect", "--framing", "bogus", "127.0.0.1:7"]);
        CliResult close = await CliRunner.RunAsync(["serve", "--framing", "lien"]);

        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("synack: --framing: 'bogus' is not one of raw, line, length\n", bad.Error);
        Assert.DoesNotContain("Synack.Cli", bad.Error);
        Assert.Contains("'lien' is not one of raw, line, length; did you mean 'line'?", close.Error);
    }

    [Theory]
    [InlineData("connect --timout 1s 127.0.0.1:7", "unknown option '--timout' for 'connect'; did you mean '--timeout'?")]
    [InlineData("serve --verbsoe", "unknown option '--verbsoe' for 'serve'; did you mean '--verbose'?")]
    [InlineData("bench --conections 2", "unknown option '--conections' for 'bench'; did you mean '--connections'?")]
    [InlineData("serv", "Unrecognized command or argument 'serv'; did you mean 'serve'?")]
    public async Task AMistypedOptionOrCommandGetsADidYouMeanAndTheUsageExitCode(string args, string expected)
    {
        CliResult result = await CliRunner.RunAsync(args.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"synack: {expected}", result.Error);
        Assert.EndsWith(args == "serv" ? "Run 'synack --help' for usage.\n" : $"Run 'synack {args.Split(' ')[0]} --help' for usage.\n", result.Error);
    }

    [Fact]
    public void EveryShortAliasMeansOneOptionEverywhereAndNoTwoDifferOnlyInCase()
    {
        var meaning = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Command command in SynackCli.Build(new CliConsole(Stream.Null, Stream.Null, TextWriter.Null, false)).Subcommands)
        {
            foreach (Option option in command.Options)
            {
                foreach (string alias in option.Aliases.Where(a => a.Length == 2 && a[0] == '-' && char.IsAsciiLetter(a[1])))
                {
                    Assert.Equal(meaning.GetValueOrDefault(alias, option.Name), option.Name);
                    meaning[alias] = option.Name;
                }
            }
        }

        // -f is --framing wherever it appears; a look-alike -F (once the proxy's --fault) would be misread
        Assert.Equal("--framing", meaning["-f"]);
        var clashes = meaning.Keys.GroupBy(a => a.ToLowerInvariant()).Where(g => g.Count() > 1).Select(g => string.Join(" / ", g.Select(a => $"{a} ({meaning[a]})")));
        Assert.True(!clashes.Any(), "aliases differing only in case: " + string.Join(", ", clashes));
    }
}
