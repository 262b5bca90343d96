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
        var pattern = new Pattern(id, size);
        byte[] echoed = new byte[size];
        var sentAt = new long[pipeline];
        var tally = new Tally(measureFrom, measureUntil);
        long next = 0, received = 0;
        try
        {
            long now = Stopwatch.GetTimestamp();
            for (; next < pipeline; next++)
            {
                sentAt[next % pipeline] = now;
                await connection.SendAsync(pattern.Message(next));
            }

            while (true)
            {
                // One clock read per read that waited, as loadgen takes one per read(): a reply already buffered came
                // in with the one before it (the clock was 4 % of this client's samples at one read per reply, stop 24).
                ValueTask<bool> reading = connection.ReadExactlyAsync(echoed);
                bool buffered = reading.IsCompleted;
                if (!await reading)
                {
                    return tally.Result(errors: 1); // the server closed early
                }

                if (!buffered)
                {
                    now = Stopwatch.GetTimestamp();
                }

                if (!echoed.AsSpan().SequenceEqual(pattern.Message(received).Span))
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
                await connection.SendAsync(pattern.Message(next++));
            }
        }
        catch (Synack.Errors.SynackException)
        {
            return tally.Result(errors: 1);
        }
    }

    private static async Task<(long, long, List<long>)> RunBatched(Connection connection, int id, int pipeline, int size, long measureFrom, long measureUntil)
    {
        var pattern = new Pattern(id, size);
        byte[] reply = new byte[size];
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
                pattern.Message(next).CopyTo(outgoing.AsMemory((int)next * size));
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
                    if (!reply.AsSpan().SequenceEqual(pattern.Message(received).Span))
                    {
                        return tally.Result(errors: 1);
                    }

                    tally.Reply(now, now - sentAt[received % pipeline]);

                    received++;
                    sentAt[next % pipeline] = now;
                    pattern.Message(next++).CopyTo(outgoing.AsMemory(queued++ * size));
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

    /// <summary>
    /// The bytes of a connection's messages, as loadgen makes them: a pseudo-random pattern with a prime period, message
    /// <c>seq</c> of connection <c>id</c> at offset (seed + seq × size) mod the period, so a lost, reordered or duplicated
    /// echo shows, and nothing is computed per message (filling 32 bytes per message and per check cost this client more
    /// than its library calls, stop 24's profile).
    /// </summary>
    private sealed class Pattern
    {
        private const int Period = 65521; // loadgen's PATLEN
        private readonly byte[] _bytes;
        private readonly long _seed;
        private readonly int _size;

        public Pattern(int id, int size)
        {
            _size = size;
            _seed = id * 7919L;
            _bytes = new byte[Period + size];
            uint x = 2463534242;
            for (int i = 0; i < Period; i++)
            {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                _bytes[i] = (byte)x;
            }

            for (int i = Period; i < _bytes.Length; i++)
            {
                _bytes[i] = _bytes[i - Period]; // one byte at a time: a message may be longer than the period
            }
        }

        public ReadOnlyMemory<byte> Message(long seq) => _bytes.AsMemory((int)((_seed + seq * _size) % Period), _size);
    }
}
