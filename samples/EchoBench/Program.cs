// EchoBench: the main job until the `synack` CLI lands. Starts a Synack echo server on an ephemeral loopback port,
// drives it with N Synack client connections (P messages in flight each) for a bounded time, verifies every echoed
// byte, measures each message's round trip, then drains the server. Exit code 0 only when nothing went wrong.
using System.Diagnostics;
using System.Net;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.Server;

int connections = Arg("--connections", 50);
int inFlight = Arg("--pipeline", 1);
int size = Arg("--size", 32);
int seconds = Arg("--duration", 5);
if (connections is < 1 or > 10_000 || inFlight is < 1 or > 1024 || size is < 8 or > 1 << 20 || seconds is < 1 or > 600)
{
    Console.Error.WriteLine("usage: EchoBench [--connections 1..10000] [--pipeline 1..1024] [--size 8..1048576] [--duration 1..600]");
    return 2;
}

await using var server = SynackServer.Start(new ServerOptions().Listen(IPAddress.Loopback, 0), ConnectionHandlers.Echo);
IPEndPoint target = server.LocalEndPoints[0];
Console.WriteLine($"echo server on {target}; {connections} connection(s) x {inFlight} in flight x {size} B for {seconds} s");

var clients = new Connection[connections];
for (int i = 0; i < connections; i++)
{
    clients[i] = await SynackClient.ConnectAsync(target);
}

var deadline = TimeSpan.FromSeconds(seconds);
var clock = Stopwatch.StartNew();
var results = await Task.WhenAll(clients.Select((c, i) => Task.Run(() => DriveAsync(c, i))));
clock.Stop();

long messages = results.Sum(r => r.Messages);
long corrupt = results.Sum(r => r.Corrupt);
var failures = results.Where(r => r.Error is not null).Select(r => r.Error!).ToList();
long[] latencies = results.SelectMany(r => r.LatencyTicks).ToArray();
Array.Sort(latencies);
double Percentile(double p) => latencies.Length == 0 ? double.NaN
    : latencies[Math.Min(latencies.Length - 1, (int)(p / 100 * latencies.Length))] * 1e6 / Stopwatch.Frequency;

foreach (Connection c in clients)
{
    await c.CloseAsync();
}

DrainResult drain = await server.StopAsync(TimeSpan.FromSeconds(5));
Console.WriteLine($"messages      {messages:N0} in {clock.Elapsed.TotalSeconds:F2} s");
Console.WriteLine($"throughput    {messages / clock.Elapsed.TotalSeconds:N0} msg/s, {messages * (double)size / clock.Elapsed.TotalSeconds / (1 << 20):N1} MiB/s");
Console.WriteLine($"latency (us)  p50 {Percentile(50):F1}  p90 {Percentile(90):F1}  p99 {Percentile(99):F1}  p99.9 {Percentile(99.9):F1}  max {Percentile(100):F1}   ({latencies.Length:N0} samples)");
Console.WriteLine($"verified      {(corrupt == 0 ? "every echoed byte" : $"{corrupt} corrupt message(s)")}");
Console.WriteLine($"errors        {failures.Count}{string.Concat(failures.GroupBy(f => f.Kind).Select(g => $"  {g.Key}: {g.Count()}"))}");
Console.WriteLine($"server drain  {drain.Drained} drained, {drain.Aborted} aborted in {drain.Elapsed.TotalMilliseconds:F0} ms");
return corrupt == 0 && failures.Count == 0 && messages > 0 ? 0 : 1;

async Task<Result> DriveAsync(Connection c, int id)
{
    var latencies = new List<long>(1 << 16);
    var sentAt = new Queue<long>();
    var window = new SemaphoreSlim(inFlight, inFlight);
    long sent = 0, received = 0, corrupt = 0;
    SynackException? error = null;
    using var stop = new CancellationTokenSource(deadline);

    async Task SendLoop()
    {
        byte[] message = new byte[size];
        try
        {
            while (true)
            {
                await window.WaitAsync(stop.Token);
                Fill(message, id, sent);
                lock (sentAt)
                {
                    sentAt.Enqueue(Stopwatch.GetTimestamp());
                }

                await c.SendAsync(message);
                sent++;
            }
        }
        catch (OperationCanceledException)
        {
            // Time is up: half-close. The server echoes what is in flight, sees our FIN, and closes its side.
            await c.CompleteOutputAsync();
        }
    }

    async Task ReceiveLoop()
    {
        byte[] expected = new byte[size];
        byte[] echoed = new byte[size];
        while (await c.ReadExactlyAsync(echoed))
        {
            long start;
            lock (sentAt)
            {
                start = sentAt.Dequeue();
            }

            latencies.Add(Stopwatch.GetTimestamp() - start);
            Fill(expected, id, received);
            if (!echoed.AsSpan().SequenceEqual(expected))
            {
                corrupt++;
            }

            received++;
            window.Release();
        }
    }

    try
    {
        Task sending = SendLoop();
        await ReceiveLoop();
        await sending;
        if (received != sent)
        {
            throw new SynackException(ErrorKind.TruncatedFrame, "read", $"{sent - received} message(s) sent but never echoed");
        }
    }
    catch (SynackException e)
    {
        error = e;
    }

    return new Result(received, corrupt, latencies, error);
}

static void Fill(byte[] message, int connection, long sequence)
{
    BitConverter.TryWriteBytes(message, sequence);
    for (int i = 8; i < message.Length; i++)
    {
        message[i] = (byte)(connection + sequence + i);
    }
}

static int Arg(string name, int fallback)
{
    string[] args = Environment.GetCommandLineArgs();
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out int value) ? value : fallback;
}

internal sealed record Result(long Messages, long Corrupt, List<long> LatencyTicks, SynackException? Error);
