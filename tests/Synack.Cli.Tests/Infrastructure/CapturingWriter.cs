using System.Text;

namespace Synack.Cli.Tests.Infrastructure;

/// <summary>A thread-safe text sink for a command's standard error that lets a test await a line appearing.</summary>
internal sealed class CapturingWriter : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = new();

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        lock (_text)
        {
            _text.Append(value);
            string all = _text.ToString();
            foreach (var waiter in _waiters.ToArray())
            {
                foreach (string line in all.Split('\n'))
                {
                    if (waiter.Match(line))
                    {
                        waiter.Found.TrySetResult(line);
                        _waiters.Remove(waiter);
                        break;
                    }
                }
            }
        }
    }

    public override void WriteLine(string? value) => Write(value + "\n");

    /// <summary>Completes with the first line containing <paramref name="fragment"/> (already written or still to come).</summary>
    public Task<string> LineContaining(string fragment)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_text)
        {
            _waiters.Add((line => line.Contains(fragment, StringComparison.Ordinal), found));
        }

        Write("");
        return WithinPatience(found.Task, fragment);
    }

    /// <summary>As <see cref="LineContaining"/>, but fails at once when <paramref name="writerDone"/> (the process's output) ends first.</summary>
    public async Task<string> LineContainingOrExit(string fragment, Task writerDone)
    {
        Task<string> found = LineContaining(fragment);
        if (await Task.WhenAny(found, writerDone) != found)
        {
            if (!found.IsCompleted)
            {
                throw new InvalidOperationException($"the process ended before a line containing '{fragment}':\n{Text}");
            }
        }

        return await found;
    }

    private async Task<string> WithinPatience(Task<string> found, string fragment)
    {
        try
        {
            return await found.WaitAsync(Synack.FunctionalTests.Infrastructure.Loopback.Patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no line containing '{fragment}' in:\n{Text}");
        }
    }
}
