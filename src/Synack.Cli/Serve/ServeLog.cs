namespace Synack.Cli.Serve;

/// <summary>Timestamped log lines on standard error; debug lines (connection lifecycle) only with <c>--verbose</c>.</summary>
internal sealed class ServeLog(TextWriter error, bool verbose, TimeProvider time)
{
    private readonly object _gate = new();

    /// <summary>Whether debug lines are written.</summary>
    public bool Verbose => verbose;

    /// <summary>Always written: listening, draining, the drain result.</summary>
    public void Info(string message) => Write("info ", message);

    /// <summary>Written with <c>--verbose</c>: each connection's open and close reason.</summary>
    public void Debug(string message)
    {
        if (verbose)
        {
            Write("debug", message);
        }
    }

    private void Write(string level, string message)
    {
        string line = $"{time.GetLocalNow():HH:mm:ss.fff} {level} {message}";
        lock (_gate)
        {
            error.WriteLine(line);
            error.Flush();
        }
    }
}
