using System.Net;
using System.Text.Json;
using Synack.Connections;
using Synack.Server;

namespace Synack.Cli.Tests.Bench;

/// <summary>
/// Gil Tene's demonstration of coordinated omission (issue 13): a server that stalls once for 1 s during a 10 s run at
/// 1,000 requests/s. About 10 % of the intended requests fall due during the stall and wait up to 1 s, so an honest p99
/// is close to a second; a closed-loop run, and the uncorrected figure of the open-loop run, hardly see it.
/// </summary>
public sealed class CoordinatedOmissionTests
{
    /// <summary>An echo server that, once it has echoed <paramref name="before"/> reads, stops answering everyone for 1 s, once.</summary>
    private static SynackServer StallingEcho(int before)
    {
        long reads = 0;
        Task? stall = null;
        var options = new ServerOptions { Transport = SynackTransport.Sockets }.Listen(IPAddress.Loopback, 0);
        return SynackServer.Start(options, async connection =>
        {
            while (true)
            {
                System.IO.Pipelines.ReadResult read = await connection.Input.ReadAsync();
                if (Interlocked.Increment(ref reads) == before)
                {
                    Volatile.Write(ref stall, Task.Delay(TimeSpan.FromSeconds(1)));
                }

                if (Volatile.Read(ref stall) is { IsCompleted: false } stalled)
                {
                    await stalled; // every connection waits out the one stall
                }

                foreach (ReadOnlyMemory<byte> segment in read.Buffer)
                {
                    await connection.Output.WriteAsync(segment);
                }

                connection.Input.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    return;
                }
            }
        });
    }

    /// <summary>The bench in a child process, as the other open-loop rate tests (CliRunner.BenchInChildAsync says why); the server stays here.</summary>
    private static async Task<JsonElement> BenchAsync(SynackServer server, params string[] args) =>
        (await CliRunner.BenchInChildAsync([$"127.0.0.1:{((IPEndPoint)server.LocalEndPoints[0]).Port}", .. args])).Report;

    [Fact]
    public async Task AOneSecondStallInATenSecondOpenLoopRunShowsInTheCorrectedP99WhileTheUncorrectedAndClosedLoopFiguresHideIt()
    {
        double corrected, uncorrected, closed;
        await using (SynackServer server = StallingEcho(before: 3_000))
        {
            JsonElement open = await BenchAsync(server, "-c", "10", "--rate", "1000", "-d", "10s", "-w", "0");
            corrected = open.GetProperty("p99Microseconds").GetDouble();
            uncorrected = open.GetProperty("uncorrectedP99Microseconds").GetDouble();
            Assert.True(open.GetProperty("rateReached").GetBoolean());
        }

        await using (SynackServer server = StallingEcho(before: 3_000))
        {
            closed = (await BenchAsync(server, "-c", "10", "-d", "3s", "-w", "0")).GetProperty("p99Microseconds").GetDouble();
        }

        Assert.True(corrected >= 800_000, $"corrected p99 {corrected / 1000:F1} ms: the requests due during the stall waited up to 1 s");
        Assert.True(uncorrected < corrected / 4, $"uncorrected p99 {uncorrected / 1000:F1} ms against corrected {corrected / 1000:F1} ms");
        Assert.True(closed < 200_000, $"closed-loop p99 {closed / 1000:F1} ms: it stopped sending during the stall, so it saw only its in-flight requests wait");
    }
}
