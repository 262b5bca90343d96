using System.CommandLine;
using System.CommandLine.Parsing;

namespace Synack.Cli.Common;

/// <summary>
/// The lines a bad command line gets, in the tool's words rather than the parser's: a mistyped option or command names
/// the closest real one, and a bad enum value lists the values as they are typed (never a .NET type name).
/// </summary>
internal static class ParseErrors
{
    /// <summary>The error lines for <paramref name="parsed"/>; empty when the command line is good.</summary>
    public static IReadOnlyList<string> Describe(ParseResult parsed)
    {
        // A mistyped option is often taken as a positional value (connect --timout 1s: target '--timout'), so it is
        // looked for even when the parser saw no error; it is the cause, so it is the one line printed.
        var unknown = UnknownOptions(parsed).ToList();
        if (unknown.Count > 0)
        {
            return unknown;
        }

        return parsed.Errors.Select(e => Describe(e, parsed.CommandResult.Command)).Distinct().ToList();
    }

    private static string Describe(ParseError error, Command command)
    {
        if (error.SymbolResult is OptionResult { Option: var option } result
            && CliConventions.EnumType(option.ValueType) is { } type
            && result.Tokens.Count > 0)
        {
            string given = result.Tokens[0].Value;
            string[] values = CliConventions.Values(type).ToArray();
            return $"{option.Name}: '{given}' is not one of {string.Join(", ", values)}{Hint(given, values)}";
        }

        // The parser's own wording for a stray word; at the top level it is usually a mistyped command.
        if (error.Message.StartsWith("Unrecognized command or argument '", StringComparison.Ordinal)
            && error.Message.Split('\'') is [_, { Length: > 0 } word, ..])
        {
            return $"{error.Message.TrimEnd('.')}{Hint(word, command.Subcommands.Select(c => c.Name))}";
        }

        return error.Message;
    }

    /// <summary>Tokens shaped like options (<c>-x</c>, <c>--word</c>) that are no option of the command.</summary>
    private static IEnumerable<string> UnknownOptions(ParseResult parsed)
    {
        Command command = parsed.CommandResult.Command;
        var known = KnownOptions(parsed.CommandResult).ToHashSet(StringComparer.Ordinal);
        var optionValues = parsed.CommandResult.Children.OfType<OptionResult>().SelectMany(o => o.Tokens).ToHashSet();
        var positional = parsed.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens)
            .Where(t => !optionValues.Contains(t)).Select(t => t.Value);
        foreach (string token in positional.Concat(parsed.UnmatchedTokens).Distinct())
        {
            if (LooksLikeOption(token) && !known.Contains(token.Split('=', ':')[0]))
            {
                yield return $"unknown option '{token}' for '{command.Name}'{Hint(token, known.Where(k => k.StartsWith("--", StringComparison.Ordinal)))}";
            }
        }
    }

    private static bool LooksLikeOption(string token) =>
        token.Length >= 2 && token[0] == '-' && (char.IsAsciiLetter(token[1]) || (token[1] == '-' && token.Length > 2));

    private static IEnumerable<string> KnownOptions(CommandResult result)
    {
        for (SymbolResult? current = result; current is not null; current = current.Parent)
        {
            if (current is CommandResult { Command: var command })
            {
                foreach (Option option in command.Options.Where(o => current == result || o.Recursive))
                {
                    yield return option.Name;
                    foreach (string alias in option.Aliases)
                    {
                        yield return alias;
                    }
                }
            }
        }
    }

    private static string Hint(string typed, IEnumerable<string> candidates) =>
        Suggestions.Closest(typed, candidates) is { } closest ? $"; did you mean '{closest}'?" : "";
}
