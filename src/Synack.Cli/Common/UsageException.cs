namespace Synack.Cli.Common;

/// <summary>Bad command-line input; the message is the one line the user sees (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
