namespace Synack.Cli.Common;

/// <summary>
/// The streams a command talks to: the process's own in production, in-memory ones in tests, so every command can be
/// exercised end to end in-process.
/// </summary>
/// <param name="Input">Standard input (binary: <c>connect</c> copies it byte for byte).</param>
/// <param name="Output">Standard output: results and received data.</param>
/// <param name="Error">Standard error: progress, logs and the one-line failure message.</param>
/// <param name="Interactive">True when a human watches a terminal: enables the live progress line.</param>
internal sealed record CliConsole(Stream Input, Stream Output, TextWriter Error, bool Interactive)
{
    /// <summary>The process's standard streams.</summary>
    public static CliConsole System => new(
        global::System.Console.OpenStandardInput(),
        global::System.Console.OpenStandardOutput(),
        global::System.Console.Error,
        !global::System.Console.IsErrorRedirected);

    /// <summary>Writes a line of text to <see cref="Output"/> (UTF-8) and flushes it.</summary>
    public void WriteLine(string text)
    {
        byte[] bytes = global::System.Text.Encoding.UTF8.GetBytes(text + "\n");
        lock (Output)
        {
            Output.Write(bytes);
            Output.Flush();
        }
    }
}
