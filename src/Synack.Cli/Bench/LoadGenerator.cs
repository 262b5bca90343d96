using System.Collections.Concurrent;
using System.Diagnostics;
using Synack.Cli.Bench.Protocols;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.Transport.Epoll;

namespace Synack.Cli.Bench;

/// <summary>What a run measured.</summary>
internal sealed record LoadResult(
    long Messages, long Sent, BenchSampler Samples, double Seconds, TimeSpan Cpu, long Connects, IReadOnlyDictionary<string, long> Errors);

/// <summary>
/// Drives a server from inline client connections (<see cref="BenchConnection"/>) on the client fast path: epoll loops
/// of their own (<see cref="BenchSettings.Threads"/>, pinned apart from an embedded server's), one recv and one send per
/// batch, every reply checked by the protocol. Each connection slot keeps up to <see cref="BenchSettings.Pipeline"/>
/// requests in flight; with <see cref="BenchSettings.Reconnect"/> a slot opens a new connection every K replies.
/// </summary>
/// <remarks>
/// <code>
///  connect all (at --connect-rate) ──► warm-up (not measured) ──► measured window ──► stop sending, collect in-flight ──► close
///       └── every connect failed ──► report at once (no warm-up, no window)
/// </code>
/// A failure ends only its own connection and is counted by kind. Replies still missing 10 s after the window count as
/// timed out, so the run always ends by itself.
/// </remarks>
internal sealed class LoadGenerator(BenchSettings settings, string host, int port, EpollLoopGroup? loops)
{
    private static readonly TimeSpan Straggle = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, long> _errors = new();
    private readonly BenchSchedule _schedule = new(settings.Connections, settings.Rate);
    private readonly ConcurrentDictionary<int, BenchConnection> _current = new();
    private readonly IBenchProtocol _protocol = BenchProtocols.Create(settings, host);
    private long _finishedReceived; // replies of connections that were replaced (--reconnect)
    private long _finishedMeasured;
    private long _finishedSent;

    /// <summary>Replies received so far, warm-up included (for the progress line).</summary>
    public long Received => Interlocked.Read(ref _finishedReceived) + _current.Values.Sum(c => c.Received);

    /// <summary>Failures so far.</summary>
    public long Errors => _errors.Values.Sum();

    /// <summary>Runs the load and returns the measurements; <paramref name="hdrLog"/> receives the interval log, if given.</summary>
    public async Task<LoadResult> RunAsync(Stream? hdrLog, CancellationToken cancellationToken)
    {
        using var recorders = new BenchRecorders();
        var options = new ConnectOptions { Loops = loops, Tls = settings.Tls ? BenchTls.Client(host) : null };
        var pacer = new Pacer(_schedule);

        // Connect every slot (at --connect-rate if given) before the clock starts.
        var first = new Task<Connection?>[settings.Connections];
        long rampStart = Stopwatch.GetTimestamp();
        for (int slot = 0; slot < settings.Connections; slot++)
        {
            if (settings.ConnectRate is { } rate)
            {
                TimeSpan due = TimeSpan.FromSeconds(slot / rate) - Stopwatch.GetElapsedTime(rampStart);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken).ConfigureAwait(false);
                }
            }

            first[slot] = ConnectAsync(slot, recorders, options, cancellationToken);
        }

        Connection?[] connections = await Task.WhenAll(first).ConfigureAwait(false);
        if (connections.All(c => c is null))
        {
            var nothing = new BenchSampler(recorders, _schedule, Snapshot, null);
            nothing.Finish();
            return new LoadResult(0, 0, nothing, settings.Duration.TotalSeconds, TimeSpan.Zero, 0, Snapshot()); // fail fast
        }

        _schedule.Begin(settings.Warmup, settings.Duration);
        var sampler = new BenchSampler(recorders, _schedule, Snapshot, hdrLog);
        using var straggleLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        straggleLimit.CancelAfter(settings.Warmup + settings.Duration + Straggle);
        Task sampling = sampler.RunAsync(cancellationToken);
        Task<TimeSpan> cpu = MeasureCpuAsync(cancellationToken);
        for (int slot = 0; slot < connections.Length; slot++)
        {
            if (connections[slot] is { } c)
            {
                pacer.Add(_current[slot], c);
            }
        }

        Task pacing = _schedule.OpenLoop ? pacer.RunAsync(straggleLimit.Token) : Task.CompletedTask;
        await Task.WhenAll(connections.Select((c, slot) => c is null ? Task.CompletedTask : RunSlotAsync(slot, c, recorders, options, straggleLimit.Token)))
            .ConfigureAwait(false);
        await pacing.ConfigureAwait(false);
        await sampling.ConfigureAwait(false);
        sampler.Finish();

        TimeSpan cpuUsed = cancellationToken.IsCancellationRequested ? TimeSpan.Zero : await cpu.ConfigureAwait(false);
        return new LoadResult(Interlocked.Read(ref _finishedMeasured), Interlocked.Read(ref _finishedSent), sampler,
            settings.Duration.TotalSeconds, cpuUsed, recorders.ConnectCount, Snapshot());
    }

    private IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_errors);

    private async Task<Connection?> ConnectAsync(int slot, BenchRecorders recorders, ConnectOptions options, CancellationToken cancellationToken)
    {
        var handler = new BenchConnection(slot, settings.Pipeline, settings.Reconnect, _protocol.Start(slot), _schedule, recorders)
        {
            ConnectStartedAt = Stopwatch.GetTimestamp(),
            OnFailure = Count,
        };
        _current[slot] = handler;
        try
        {
            return await SynackClient.ConnectAsync(host, port, handler, options, cancellationToken).ConfigureAwait(false);
        }
        catch (SynackException e)
        {
            Count(e.Kind.ToString());
            _current.TryRemove(slot, out _);
            return null;
        }
    }

    /// <summary>Waits for a slot's connection to end, counts how it ended if that was not the plan, and with --reconnect opens the next.</summary>
    private async Task RunSlotAsync(int slot, Connection connection, BenchRecorders recorders, ConnectOptions options, CancellationToken limit)
    {
        while (true)
        {
            BenchConnection handler = _current[slot];
            CloseReason reason;
            try
            {
                reason = await connection.Closed.WaitAsync(limit).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Count(ErrorKind.TimedOut.ToString());
                connection.Abort();
                Retire(slot, handler);
                return;
            }

            if (handler.Failure is null && !handler.Done)
            {
                Count(reason is CloseReason.RemoteReset ? ErrorKind.Reset.ToString() : reason.ToString());
            }

            Retire(slot, handler);
            bool again = handler.Reopen && handler.Failure is null && Stopwatch.GetTimestamp() < _schedule.SendUntil && !limit.IsCancellationRequested;
            if (!again || await ConnectAsync(slot, recorders, options, limit).ConfigureAwait(false) is not { } next)
            {
                return;
            }

            connection = next;
        }
    }

    private void Retire(int slot, BenchConnection handler)
    {
        Interlocked.Add(ref _finishedReceived, handler.Received);
        Interlocked.Add(ref _finishedMeasured, handler.Measured);
        Interlocked.Add(ref _finishedSent, handler.Sent);
        _current.TryRemove(new KeyValuePair<int, BenchConnection>(slot, handler));
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
