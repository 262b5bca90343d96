using System.CommandLine;
using System.Text;

namespace Synack.Cli.Common;

/// <summary>
/// Corrects System.CommandLine's help where it cannot be configured: its list of subcommands shows every argument as
/// <c>&lt;target&gt;</c>, required or not, while a command's own usage line brackets the optional ones. Here the
/// list brackets them too (<c>bench [&lt;target&gt;]</c>) and the columns are realigned.
/// </summary>
internal static class HelpText
{
    /// <summary>The help text <paramref name="help"/> written for <paramref name="shown"/>, corrected.</summary>
    public static string Correct(string help, Command shown)
    {
        var rows = shown.Subcommands.Where(c => !c.Hidden).ToDictionary(Label, Corrected);
        if (rows.All(r => r.Key == r.Value))
        {
            return help;
        }

        string[] lines = help.Split('\n');
        int start = Array.FindIndex(lines, l => l.TrimEnd('\r') == "Commands:");
        if (start < 0)
        {
            return help;
        }

        // The section's rows: "  LABEL<padding>DESCRIPTION", continuation lines indented to the description column.
        int end = start + 1;
        while (end < lines.Length && lines[end].StartsWith("  ", StringComparison.Ordinal))
        {
            end++;
        }

        // The description column: where the first row's text resumes after its label and padding.
        string? key = null;
        string? first = lines[(start + 1)..end].FirstOrDefault(l => (key = rows.Keys.FirstOrDefault(k => l.StartsWith("  " + k + "  ", StringComparison.Ordinal))) is not null);
        if (first is null || key is null)
        {
            return help;
        }

        int labelEnd = 2 + key.Length;
        int column = first.Length - first[labelEnd..].TrimStart().Length;
        int newColumn = 2 + rows.Values.Max(v => v.Length) + 2;
        var text = new StringBuilder();
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (i > start && i < end && line.Length >= column)
            {
                string label = line[..column].Trim();
                string rest = line[column..];
                line = (label.Length == 0 ? "" : "  " + rows.GetValueOrDefault(label, label)).PadRight(newColumn) + rest;
            }

            text.Append(line);
            if (i < lines.Length - 1)
            {
                text.Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Label(Command command) =>
        string.Join(' ', [command.Name, .. command.Arguments.Where(a => !a.Hidden).Select(a => $"<{(string.IsNullOrEmpty(a.HelpName) ? a.Name : a.HelpName)}>")]);

    private static string Corrected(Command command) =>
        string.Join(' ', [command.Name, .. command.Arguments.Where(a => !a.Hidden).Select(a =>
        {
            string label = $"<{(string.IsNullOrEmpty(a.HelpName) ? a.Name : a.HelpName)}>";
            return a.Arity.MinimumNumberOfValues == 0 ? $"[{label}]" : label;
        })]);
}
