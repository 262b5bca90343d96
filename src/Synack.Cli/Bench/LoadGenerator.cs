using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.Transport.Epoll;

namespace Synack.Cli.Bench;

/// <summary>
/// Drives an echo server from inline client connections (<see cref="EchoWorkload"/>) on the client fast path: epoll
/// loops of their own (<see cref="BenchSettings.Threads"/>, pinned apart from an embedded server's), one recv and one
/// send per batch, every byte verified. Each connection keeps <see cref="BenchSettings.Pipeline"/> messages in flight.
/// </summary>
/// <remarks>
/// <code>
///  connect all ──► warm-up (not measured) ──► measured window ──► stop sending, collect in-flight echoes ──► close
///       └── every connect failed ──► report at once (no warm-up, no window)
/// </code>
/// A reply that differs from what was sent counts as "corrupt"; any failure ends only its own connection and is counted
/// by kind. Echoes still missing 10 s after the window count as timed out, so the run always ends by itself.
/// </remarks>
internal sealed class LoadGenerator(BenchSettings settings, string host, int port, EpollLoopGroup? loops)
{
    private static readonly TimeSpan Straggle = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, long> _errors = new();
    private readonly BenchSchedule _schedule = new();
    private EchoWorkload[] _workloads = [];

    /// <summary>Echoes received so far, warm-up included (for the progress line).</summary>
    public long Received => Volatile.Read(ref _workloads).Sum(w => w.Received);

    /// <summary>Failures so far.</summary>
    public long Errors => _errors.Values.Sum();

    /// <summary>Runs the load and returns the measurements.</summary>
    public async Task<(long Messages, LongHistogram Latency, double Seconds, TimeSpan Cpu, IReadOnlyDictionary<string, long> Errors)> RunAsync(
        CancellationToken cancellationToken)
    {
        using var latency = new LatencyRecorder();
        var workloads = Enumerable.Range(0, settings.Connections)
            .Select(id => new EchoWorkload(id, settings.Pipeline, new MessagePattern(id, settings.Size, settings.Framing), _schedule, latency))
            .ToArray();
        var options = new ConnectOptions { Loops = loops };
        Connection?[] connections = await Task.WhenAll(workloads.Select(w => ConnectAsync(w, options, cancellationToken))).ConfigureAwait(false);
        var running = workloads.Zip(connections).Where(p => p.Second is not null).Select(p => (Workload: p.First, Connection: p.Second!)).ToArray();
        Volatile.Write(ref _workloads, running.Select(r => r.Workload).ToArray());
        if (running.Length == 0)
        {
            return (0, latency.Merge(), settings.Duration.TotalSeconds, TimeSpan.Zero, new Dictionary<string, long>(_errors)); // fail fast
        }

        _schedule.Begin(settings.Warmup, settings.Duration);
        Task<TimeSpan> cpu = MeasureCpuAsync(cancellationToken);
        using var straggleLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        straggleLimit.CancelAfter(settings.Warmup + settings.Duration + Straggle);
        await Task.WhenAll(running.Select(r => CollectAsync(r.Workload, r.Connection, straggleLimit.Token))).ConfigureAwait(false);

        TimeSpan cpuUsed = cancellationToken.IsCancellationRequested ? TimeSpan.Zero : await cpu.ConfigureAwait(false);
        return (running.Sum(r => r.Workload.Measured), latency.Merge(), settings.Duration.TotalSeconds, cpuUsed, new Dictionary<string, long>(_errors));
    }

    private async Task<Connection?> ConnectAsync(EchoWorkload workload, ConnectOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await SynackClient.ConnectAsync(host, port, workload, options, cancellationToken).ConfigureAwait(false);
        }
        catch (SynackException e)
        {
            Count(e.Kind.ToString());
            return null;
        }
    }

    /// <summary>Waits for a connection to end and counts how it ended if that was not the plan.</summary>
    private async Task CollectAsync(EchoWorkload workload, Connection connection, CancellationToken limit)
    {
        CloseReason reason;
        try
        {
            reason = await connection.Closed.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Count(ErrorKind.TimedOut.ToString());
            connection.Abort();
            return;
        }

        if (workload.Failure is { } failure)
        {
            Count(failure);
        }
        else if (!workload.Done)
        {
            Count(reason is CloseReason.RemoteReset ? ErrorKind.Reset.ToString() : reason.ToString());
        }
    }

    private async Task<TimeSpan> MeasureCpuAsync(CancellationToken cancellationToken)
    {
        using var process = Process.GetCurrentProcess();
        await Task.Delay(settings.Warmup, cancellationToken).ConfigureAwait(false);
        process.Refresh();
        TimeSpan before = process.TotalProcessorTime;
        await Task.Delay(settings.Duration, cancellationToken).ConfigureAwait(false);
        process.Refresh();
        return process.TotalProcessorTime - before;
    }

    private void Count(string kind) => _errors.AddOrUpdate(kind.ToLowerInvariant(), 1, (_, n) => n + 1);
}
