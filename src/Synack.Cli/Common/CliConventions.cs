using System.CommandLine;
using System.Text.RegularExpressions;

namespace Synack.Cli.Common;

/// <summary>
/// House rules for every command's help, applied once to the whole tree so a new or rewritten command follows them
/// without repeating them: a default is printed once (System.CommandLine appends <c>[default: X]</c> for any symbol
/// with a default, so a hand-written "(default X)" is dropped there), and enum values are shown as they are typed
/// (<c>&lt;raw|line|length&gt;</c>, not the type's <c>&lt;Length|Line|Raw&gt;</c>).
/// </summary>
internal static partial class CliConventions
{
    /// <summary>Applies the rules to <paramref name="command"/> and everything under it.</summary>
    public static void Apply(Command command)
    {
        foreach (Option option in command.Options)
        {
            if (option.HasDefaultValue)
            {
                option.Description = WithoutDefault(option.Description);
            }

            if (EnumType(option.ValueType) is { } type && string.IsNullOrEmpty(option.HelpName))
            {
                option.HelpName = string.Join('|', Values(type));
            }
        }

        foreach (Argument argument in command.Arguments)
        {
            if (argument.HasDefaultValue)
            {
                argument.Description = WithoutDefault(argument.Description);
            }
        }

        foreach (Command subcommand in command.Subcommands)
        {
            Apply(subcommand);
        }
    }

    /// <summary>The enum behind <paramref name="type"/> (also through <see cref="Nullable{T}"/>), or null.</summary>
    public static Type? EnumType(Type type) => (Nullable.GetUnderlyingType(type) ?? type) is { IsEnum: true } e ? e : null;

    /// <summary>An enum's values as the user types them (parsing ignores case), in declaration order.</summary>
    public static IEnumerable<string> Values(Type enumType) => Enum.GetNames(enumType).Select(n => n.ToLowerInvariant());

    private static string? WithoutDefault(string? description) => description is null ? null : DefaultNote().Replace(description, "");

    [GeneratedRegex(@"\s*\(default [^()]*\)")]
    private static partial Regex DefaultNote();
}
