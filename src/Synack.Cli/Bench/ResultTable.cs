using Spectre.Console;
using Synack.Cli.Common;

namespace Synack.Cli.Bench;

/// <summary>The end-of-run table on standard output (Spectre.Console; plain text when not a terminal).</summary>
internal static class ResultTable
{
    public static void Write(CliConsole console, BenchResult result)
    {
        using var writer = new StreamWriter(console.Output, leaveOpen: true);
        var terminal = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = console.Interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = console.Interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });

        var table = new Table().Title($"synack bench {Markup.Escape(result.Target)}").AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("throughput", $"{result.MessagesPerSecond:N0} msg/s");
        table.AddRow("payload", $"{result.MebibytesPerSecond:F2} MiB/s");
        table.AddRow("messages", $"{result.Messages:N0} in {result.DurationSeconds:F1} s ({(result.Protocol == "echo" ? "every byte verified" : "every reply checked")})");
        if (result.TargetRate is { } rate)
        {
            table.AddRow("target rate", result.RateReached == true
                ? $"{rate:N0} req/s, reached"
                : $"{rate:N0} req/s, NOT reached: {result.MessagesPerSecond:N0} ({result.MessagesPerSecond / rate:P0}); latency grows while requests queue");
        }

        string corrected = result.TargetRate is null ? "" : " (from intended send)";
        table.AddRow($"latency p50{corrected}", Us(result.P50Microseconds));
        table.AddRow("latency p90", Us(result.P90Microseconds));
        table.AddRow("latency p99", Us(result.P99Microseconds));
        table.AddRow("latency p99.9", Us(result.P999Microseconds));
        table.AddRow("latency max", Us(result.MaxMicroseconds));
        if (result.UncorrectedP99Microseconds is { } uncorrected)
        {
            table.AddRow("p99 uncorrected (from actual send)", Us(uncorrected));
        }

        if (result.Connects > 0)
        {
            table.AddRow("connects", $"{result.Connects:N0} ({result.ConnectsPerSecond:N0}/s), p50 {Us(result.ConnectP50Microseconds)}, p99 {Us(result.ConnectP99Microseconds)}");
        }

        if (result.ClientEngine.Length > 0)
        {
            table.AddRow("client", Markup.Escape(result.ClientEngine));
        }
        table.AddRow("CPU (this process)", $"{result.CpuPercent:F0} % of a core, {result.CpuMicrosecondsPerMessage:F1} µs/msg");
        if (result.ErrorCount == 0)
        {
            table.AddRow("errors", "0");
        }
        else
        {
            foreach ((string kind, long count) in result.Errors.OrderByDescending(e => e.Value))
            {
                table.AddRow($"errors: {Markup.Escape(kind)}", $"{count:N0}");
            }
        }

        if (result.ServerDrain is { } drain)
        {
            table.AddRow("server drain", drain);
        }

        terminal.Write(table);
        writer.Flush();
    }

    private static string Us(double microseconds) => microseconds < 1000 ? $"{microseconds:F1} µs" : $"{microseconds / 1000:F2} ms";
}
