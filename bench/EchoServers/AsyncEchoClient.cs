using System.Diagnostics;
using Synack.Client;
using Synack.Connections;
using Synack.Server;

/// <summary>
/// `EchoServers async-client PORT CONNS PIPELINE SIZE SECONDS`: the async client of issue 12's client target, as a user
/// writes one: SynackClient connections on the epoll transport (the direct engine), each keeping PIPELINE messages of
/// SIZE bytes in flight with SendAsync and ReadExactlyAsync, every echoed byte compared. One second of warm-up, then
/// SECONDS measured. Prints loadgen's RESULT fields that bench/clients.sh reads (msgs_per_s, p99_us, errors).
/// </summary>
internal static class AsyncEchoClient
{
    public static async Task<int> RunAsync(int port, int connections, int pipeline, int size, double seconds)
    {
        var options = new ConnectOptions { Transport = SynackTransport.Epoll };
        Connection[] all = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => SynackClient.ConnectAsync("127.0.0.1", port, options)));
        long start = Stopwatch.GetTimestamp();
        // WARMUP (seconds, default 1), as bench/pairs.sh takes it: tiered compilation on a busy pinned core took several
        // seconds to reach steady state here (1.24M msg/s over a 3 s run, 2.0M over 12 s, docs/benchmarks.md, stop 20).
        double warmup = double.TryParse(Environment.GetEnvironmentVariable("WARMUP"), System.Globalization.CultureInfo.InvariantCulture, out double w) ? w : 1;
        long measureFrom = start + (long)(warmup * Stopwatch.Frequency), measureUntil = measureFrom + (long)(seconds * Stopwatch.Frequency);
        // SYNACK_CLIENT_READS=pipe: each connection reads what has arrived through its PipeReader (Connection.Input) and
        // sends the replacements for every whole reply in one SendAsync: the batch shape refbench's loadgen has (one
        // recv() and one send() per batch). The default is one ReadExactlyAsync and one SendAsync per message.
        bool batch = Environment.GetEnvironmentVariable("SYNACK_CLIENT_READS") == "pipe";
        var runs = all.Select((c, i) => Task.Run(() => batch
            ? RunBatched(c, i, pipeline, size, measureFrom, measureUntil)
            : RunOne(c, i, pipeline, size, measureFrom, measureUntil))).ToArray();
        (long Messages, long Errors, List<long> Latencies)[] results = await Task.WhenAll(runs);
        foreach (Connection c in all)
        {
            await c.DisposeAsync();
        }

        long messages = results.Sum(r => r.Messages), errors = results.Sum(r => r.Errors);
        long[] latencies = results.SelectMany(r => r.Latencies).Order().ToArray();
        double p99 = latencies.Length == 0 ? 0 : latencies[(int)(latencies.Length * 0.99)] * 1e6 / Stopwatch.Frequency;
        Console.WriteLine($"RESULT label=async-client{(batch ? "-pipe" : "")} conns={connections} pipe={pipeline} size={size} msgs={messages} msgs_per_s={messages / seconds:F0} p99_us={p99:F1} errors={errors}");
        return errors == 0 ? 0 : 1;
    }

    private static async Task<(long, long, List<long>)> RunOne(Connection connection, int id, int pipeline, int size, long measureFrom, long measureUntil)
    {
        byte[] sent = new byte[size], echoed = new byte[size];
        var sentAt = new long[pipeline];
        var tally = new Tally(measureFrom, measureUntil);
        long next = 0, received = 0;
        try
        {
            for (; next < pipeline; next++)
            {
                sentAt[next % pipeline] = Stopwatch.GetTimestamp();
                await connection.SendAsync(Fill(sent, id, next));
            }

            while (true)
            {
                if (!await connection.ReadExactlyAsync(echoed))
                {
                    return tally.Result(errors: 1); // the server closed early
                }

                long now = Stopwatch.GetTimestamp();
                if (!echoed.AsSpan().SequenceEqual(Fill(sent, id, received)))
                {
                    return tally.Result(errors: 1);
                }

                tally.Reply(now, now - sentAt[received % pipeline]);

                received++;
                if (now >= measureUntil)
                {
                    return tally.Result(errors: 0);
                }

                sentAt[next % pipeline] = now;
                await connection.SendAsync(Fill(sent, id, next++));
            }
        }
        catch (Synack.Errors.SynackException)
        {
            return tally.Result(errors: 1);
        }
    }

    private static async Task<(long, long, List<long>)> RunBatched(Connection connection, int id, int pipeline, int size, long measureFrom, long measureUntil)
    {
        byte[] expected = new byte[size], reply = new byte[size];
        byte[] outgoing = new byte[size * pipeline];
        var sentAt = new long[pipeline];
        var tally = new Tally(measureFrom, measureUntil);
        long next = 0, received = 0;
        System.IO.Pipelines.PipeReader input = connection.Input;
        try
        {
            long start = Stopwatch.GetTimestamp();
            for (; next < pipeline; next++)
            {
                sentAt[next % pipeline] = start;
                Fill(expected, id, next).CopyTo(outgoing, (int)next * size);
            }

            await connection.SendAsync(outgoing.AsMemory(0, pipeline * size));
            while (true)
            {
                System.IO.Pipelines.ReadResult result = await input.ReadAsync();
                System.Buffers.ReadOnlySequence<byte> buffer = result.Buffer;
                long now = Stopwatch.GetTimestamp();
                int replies = (int)Math.Min(buffer.Length / size, int.MaxValue);
                var reader = new System.Buffers.SequenceReader<byte>(buffer);
                int queued = 0;
                for (int k = 0; k < replies; k++)
                {
                    reader.TryCopyTo(reply);
                    reader.Advance(size);
                    if (!reply.AsSpan().SequenceEqual(Fill(expected, id, received)))
                    {
                        return tally.Result(errors: 1);
                    }

                    tally.Reply(now, now - sentAt[received % pipeline]);

                    received++;
                    sentAt[next % pipeline] = now;
                    Fill(expected, id, next++).CopyTo(outgoing, queued++ * size);
                }

                input.AdvanceTo(reader.Position, buffer.End);
                if (now >= measureUntil)
                {
                    return tally.Result(errors: 0);
                }

                if (result.IsCompleted)
                {
                    return tally.Result(errors: 1); // the server closed early
                }

                if (queued > 0)
                {
                    await connection.SendAsync(outgoing.AsMemory(0, queued * size));
                }
            }
        }
        catch (Synack.Errors.SynackException)
        {
            return tally.Result(errors: 1);
        }
    }

    /// <summary>The replies of one connection that arrived inside the measured window, and their latencies (at most a million kept).</summary>
    private sealed class Tally(long measureFrom, long measureUntil)
    {
        private readonly List<long> _latencies = new();
        private long _measured;

        public void Reply(long now, long latency)
        {
            if (now >= measureFrom && now < measureUntil)
            {
                _measured++;
                if (_latencies.Count < 1_000_000)
                {
                    _latencies.Add(latency);
                }
            }
        }

        public (long Messages, long Errors, List<long> Latencies) Result(long errors) => (_measured, errors, _latencies);
    }

    /// <summary>Message <paramref name="seq"/> of connection <paramref name="id"/>: bytes that differ per message, so a lost or reordered echo shows.</summary>
    private static byte[] Fill(byte[] buffer, int id, long seq)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)(seq * 31 + id * 7 + i);
        }

        return buffer;
    }
}
