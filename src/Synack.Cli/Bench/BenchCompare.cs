using System.CommandLine;
using System.Text.Json;
using Synack.Cli.Common;

namespace Synack.Cli.Bench;

/// <summary>
/// <c>synack bench compare A.json B.json [--html FILE]</c>: two runs' <c>--json</c> files side by side, each figure with
/// its ratio B / A; with <c>--html</c>, the same as a page with both latency curves on one chart.
/// </summary>
internal static class BenchCompare
{
    public static Command Create(CliConsole console)
    {
        var first = new Argument<FileInfo>("A.json") { Description = "the baseline run (bench --json)" };
        var second = new Argument<FileInfo>("B.json") { Description = "the run compared with it" };
        var html = new Option<FileInfo?>("--html") { Description = "also write the comparison as an HTML page" };
        var command = new Command("compare", "compare two bench runs (their --json files) side by side, with ratios") { first, second, html };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            FileInfo a = parsed.GetValue(first)!, b = parsed.GetValue(second)!;
            BenchResult ra = await LoadAsync(a, cancellationToken).ConfigureAwait(false);
            BenchResult rb = await LoadAsync(b, cancellationToken).ConfigureAwait(false);
            var rows = BenchComparison.Rows(ra, rb).ToArray();
            int width = rows.Max(r => r.Name.Length);
            int widthA = Math.Max(1, rows.Max(r => r.A.Length));
            int widthB = Math.Max(1, rows.Max(r => r.B.Length));
            console.WriteLine($"{"".PadRight(width)}  {("A " + a.Name).PadRight(widthA)}  {("B " + b.Name).PadRight(widthB)}  B/A");
            foreach (BenchComparison.Row row in rows)
            {
                console.WriteLine($"{row.Name.PadRight(width)}  {row.A.PadRight(widthA)}  {row.B.PadRight(widthB)}  {row.Ratio}");
            }

            if (parsed.GetValue(html) is { } page)
            {
                await File.WriteAllTextAsync(page.FullName, HtmlReport.RenderComparison(ra, rb, a.Name, b.Name), cancellationToken).ConfigureAwait(false);
            }

            return (int)ExitCode.Ok;
        });
        return command;
    }

    private static async Task<BenchResult> LoadAsync(FileInfo file, CancellationToken cancellationToken)
    {
        try
        {
            await using FileStream stream = file.OpenRead();
            return await JsonSerializer.DeserializeAsync<BenchResult>(stream, BenchRun.JsonOptions, cancellationToken).ConfigureAwait(false)
                ?? throw new UsageException($"{file.Name}: not a bench --json file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read {file.FullName}: {e.Message}");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{file.Name}: not a bench --json file ({e.Message})");
        }
    }
}
