using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;
using Synack.Cli.Common;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.Framing;

namespace Synack.Cli.Bench;

/// <summary>
/// Drives an echo server: each connection keeps <see cref="BenchSettings.Pipeline"/> messages in flight, verifies every
/// echoed byte, and records each message's round trip (send to complete echo) in an HdrHistogram.
/// </summary>
/// <remarks>
/// <code>
///  connect all ──► warm-up (not measured) ──► measured window ──► stop sending, collect in-flight echoes ──► close
/// </code>
/// A reply that differs from what was sent counts as "corrupt"; any failure ends only its own connection and is counted
/// by kind. Echoes still missing 10 s after the window count as timed out, so the run always ends by itself.
/// </remarks>
internal sealed class LoadGenerator(BenchSettings settings, string host, int port)
{
    private static readonly TimeSpan Straggle = TimeSpan.FromSeconds(10);
    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;

    private readonly ConcurrentDictionary<string, long> _errors = new();
    private long _received;
    private long _measureStart;
    private long _measureEnd;
    private long _sendUntil;

    /// <summary>Echoes received so far, warm-up included (for the progress line).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Failures so far.</summary>
    public long Errors => _errors.Values.Sum();

    /// <summary>Runs the load and returns the measurements.</summary>
    public async Task<(long Messages, LongHistogram Latency, double Seconds, TimeSpan Cpu, IReadOnlyDictionary<string, long> Errors)> RunAsync(
        CancellationToken cancellationToken)
    {
        var connects = Enumerable.Range(0, settings.Connections).Select(_ => ConnectAsync(cancellationToken)).ToArray();
        Connection?[] connections = await Task.WhenAll(connects).ConfigureAwait(false);

        long start = Stopwatch.GetTimestamp();
        _measureStart = start + Ticks(settings.Warmup);
        _measureEnd = _measureStart + Ticks(settings.Duration);
        _sendUntil = _measureEnd;
        using var straggleLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        straggleLimit.CancelAfter(settings.Warmup + settings.Duration + Straggle);

        Task<TimeSpan> cpu = MeasureCpuAsync(cancellationToken);
        var runs = connections.Select((c, id) => c is null ? Task.FromResult((0L, (LongHistogram?)null)) : DriveAsync(c, id, straggleLimit.Token)).ToArray();
        var results = await Task.WhenAll(runs).ConfigureAwait(false);

        var latency = NewHistogram();
        long messages = 0;
        foreach ((long count, LongHistogram? histogram) in results)
        {
            messages += count;
            if (histogram is not null)
            {
                latency.Add(histogram);
            }
        }

        TimeSpan cpuUsed = cancellationToken.IsCancellationRequested ? TimeSpan.Zero : await cpu.ConfigureAwait(false);
        return (messages, latency, settings.Duration.TotalSeconds, cpuUsed, new Dictionary<string, long>(_errors));
    }

    /// <summary>A histogram of round trips in nanoseconds, up to one minute, 3 significant digits.</summary>
    public static LongHistogram NewHistogram() => new(60_000_000_000L, 3);

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private async Task<Connection?> ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await SynackClient.ConnectAsync(host, port, null, cancellationToken).ConfigureAwait(false);
        }
        catch (SynackException e)
        {
            Count(e.Kind.ToString());
            return null;
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

    private async Task<(long, LongHistogram?)> DriveAsync(Connection connection, int id, CancellationToken limit)
    {
        await using (connection.ConfigureAwait(false))
        {
            var histogram = NewHistogram();
            long measured = 0;
            long sent = 0;
            long received = 0;
            long[] sentAt = new long[settings.Pipeline];
            byte[] payload = new byte[settings.Size];
            byte[] expected = new byte[settings.Size];
            byte[] reply = new byte[settings.Size];
            var codec = FramingModes.Codec(settings.Framing);
            FrameReader<ReadOnlySequence<byte>>? frames = codec is { } c ? connection.CreateFrameReader(c.Decoder) : null;
            FrameWriter<ReadOnlyMemory<byte>>? writer = codec is { } e ? connection.CreateFrameWriter(e.Encoder) : null;

            async ValueTask SendNextAsync()
            {
                MessagePattern.Fill(payload, id, sent, settings.Framing);
                sentAt[sent % settings.Pipeline] = Stopwatch.GetTimestamp();
                sent++;
                if (writer is null)
                {
                    await connection.SendAsync(payload, limit).ConfigureAwait(false);
                }
                else
                {
                    await writer.WriteAsync(payload, limit).ConfigureAwait(false);
                }
            }

            try
            {
                for (int i = 0; i < settings.Pipeline; i++)
                {
                    await SendNextAsync().ConfigureAwait(false);
                }

                while (received < sent)
                {
                    bool intact = await ReceiveAsync(connection, frames, reply, expected, id, received, limit).ConfigureAwait(false);
                    long now = Stopwatch.GetTimestamp();
                    if (!intact)
                    {
                        Count("corrupt");
                        connection.Abort();
                        return (measured, histogram);
                    }

                    if (now >= _measureStart && now < _measureEnd)
                    {
                        histogram.RecordValue((long)((now - sentAt[received % settings.Pipeline]) * NanosPerTick));
                        measured++;
                    }

                    received++;
                    Interlocked.Increment(ref _received);
                    if (now < _sendUntil)
                    {
                        await SendNextAsync().ConfigureAwait(false);
                    }
                }

                await connection.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (SynackException error)
            {
                Count(error.Kind.ToString());
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                Count(ErrorKind.TimedOut.ToString());
                connection.Abort();
            }

            return (measured, histogram);
        }
    }

    /// <summary>Reads the next echo and compares it with what message <paramref name="seq"/> carried.</summary>
    private async ValueTask<bool> ReceiveAsync(
        Connection connection, FrameReader<ReadOnlySequence<byte>>? frames, byte[] reply, byte[] expected, int id, long seq, CancellationToken limit)
    {
        MessagePattern.Fill(expected, id, seq, settings.Framing);
        if (frames is null)
        {
            if (!await connection.ReadExactlyAsync(reply, limit).ConfigureAwait(false))
            {
                throw SynackException.Truncated(0, connection.LocalEndPoint, connection.RemoteEndPoint);
            }

            return reply.AsSpan().SequenceEqual(expected);
        }

        if (!await frames.ReadAsync(limit).ConfigureAwait(false))
        {
            throw SynackException.Truncated(0, connection.LocalEndPoint, connection.RemoteEndPoint);
        }

        ReadOnlySequence<byte> frame = frames.Current;
        if (frame.Length != expected.Length)
        {
            return false;
        }

        frame.CopyTo(reply);
        return reply.AsSpan().SequenceEqual(expected);
    }
}
