using System.Diagnostics;
using Synack.Connections;

namespace Synack.Cli.Bench;

/// <summary>
/// Open loop (<c>--rate</c>): one thread that sends each connection's requests when they fall due, through
/// <see cref="Connection.TryWrite{TState}(Action{System.Buffers.IBufferWriter{byte}, TState}, TState)"/> (under the connection's lock, so never at the same time as its handler). Replies
/// that arrive also send what is due, on the loop thread; this covers connections with nothing in flight. It sleeps
/// until 50 µs before the next request is due (usleep, not Thread.Sleep, whose millisecond granularity would show up
/// as latency) and yields for the rest: a pacer that spins would take a core from the server it measures.
/// </summary>
internal sealed partial class Pacer(BenchSchedule schedule)
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "usleep")]
    private static partial int MicroSleep(uint microseconds);

    private (BenchConnection Handler, Connection Connection)[] _connections = [];

    /// <summary>Adds a connection to pace (before <see cref="RunAsync"/>; the pacer reads a snapshot, copied on write).</summary>
    public void Add(BenchConnection handler, Connection connection)
    {
        lock (this)
        {
            _connections = [.. _connections, (handler, connection)];
        }
    }

    /// <summary>Runs until the sending window ends or <paramref name="stop"/>.</summary>
    public Task RunAsync(CancellationToken stop) => Task.Factory.StartNew(() => Run(stop), stop, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stop)
    {
        long slack = Stopwatch.Frequency / 20_000; // 50 µs: about what a timer wake-up costs
        long poll = Stopwatch.Frequency / 5_000; // 200 µs: how often a saturated run looks for freed slots
        while (!stop.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            (BenchConnection Handler, Connection Connection)[] all = Volatile.Read(ref _connections);

            if (now >= schedule.SendUntil)
            {
                // Sending has stopped: connections with nothing in flight finish now (the others at their last reply).
                foreach ((BenchConnection handler, Connection connection) in all)
                {
                    connection.TryWrite(static (output, s) => s.Handler.Pace(s.Connection, output), (Handler: handler, Connection: connection));
                }

                return;
            }

            long next = long.MaxValue;
            foreach ((BenchConnection handler, Connection connection) in all)
            {
                if (handler.Done || handler.Failure is not null)
                {
                    continue;
                }

                long due = schedule.Intended(handler.Id, handler.Sent);
                if (due <= now && !handler.Full)
                {
                    connection.TryWrite(static (output, s) => s.Handler.Pace(s.Connection, output), (Handler: handler, Connection: connection));
                    due = schedule.Intended(handler.Id, handler.Sent);
                }

                // A full connection sends its next request when a reply frees a slot, on its loop, unless the reply came
                // before the request was due: look again when it is (or soon, if it already is and the server is behind).
                next = Math.Min(next, due <= now ? now + poll : due);
            }

            // Nothing due (every connection full or done: next is MaxValue) sleeps too, at most 50 ms at a time.
            long wait = next == long.MaxValue ? long.MaxValue : next - Stopwatch.GetTimestamp();
            if (wait > slack)
            {
                Sleep(Stopwatch.GetElapsedTime(0, Math.Min(wait - slack, Stopwatch.Frequency / 20)));
            }
            else if (wait > 0)
            {
                Thread.Yield();
            }
        }
    }

    private static void Sleep(TimeSpan span)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = MicroSleep((uint)Math.Max(1, span.TotalMicroseconds));
        }
        else
        {
            Thread.Sleep(span);
        }
    }
}
