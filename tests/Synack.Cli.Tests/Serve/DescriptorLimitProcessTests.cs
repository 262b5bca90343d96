using System.Net.Sockets;

namespace Synack.Cli.Tests.Serve;

/// <summary>
/// Issue 14, problem 1: under <c>ulimit -n 128</c>, 300 clients made <c>serve echo</c> abort with exit 134 in 16 of 20
/// runs (a thread-pool thread's pipe2() or the close path's first load of System.Net.Security failing with EMFILE).
/// The limit is per process, so the server runs as a child process with its own ulimit.
/// </summary>
public sealed class DescriptorLimitProcessTests
{
    private const int Runs = 20;
    private const int Flood = 300;

    [Fact]
    public async Task UnderALowDescriptorLimitServePausesAcceptingSurvivesServesAgainAndDrainsCleanly()
    {
        for (int run = 0; run < Runs; run++)
        {
            // Both transports: the default (epoll for echo on Linux) and the runtime's sockets, alternately.
            string transport = run % 2 == 0 ? "epoll" : "sockets";
            using ServeProcess serve = await ServeProcess.StartAsync("ulimit -n 128;", "echo", "--transport", transport);

            // The hard limit is 128 too (ulimit -n sets both), so raising the soft limit cannot help: the reserve must.
            var flood = new List<Socket>();
            try
            {
                for (int i = 0; i < Flood; i++)
                {
                    Socket client = await Loopback.ConnectRawAsync(serve.EndPoint); // the kernel completes it into the backlog
                    flood.Add(client);
                    await client.SendAsync(new byte[] { (byte)'x' });
                }

                await serve.LineContaining("accepting paused (descriptor reserve)");
            }
            finally
            {
                flood.ForEach(c => c.Dispose());
            }

            // Served again once the flood has gone: the backlog's dead connections are accepted and closed on the way.
            using (Socket again = await Loopback.ConnectRawAsync(serve.EndPoint))
            {
                await again.SendAsync("again"u8.ToArray());
                Assert.Equal("again"u8.ToArray(), await again.ReadExactlyAsync(5));
            }

            // Drains cleanly on SIGTERM with clients connected: exit 0, nobody aborted.
            var served = new List<Socket>();
            for (int i = 0; i < 5; i++)
            {
                Socket client = await Loopback.ConnectRawAsync(serve.EndPoint);
                served.Add(client);
                await client.SendAsync("ping"u8.ToArray());
                Assert.Equal("ping"u8.ToArray(), await client.ReadExactlyAsync(4));
            }

            Task<int> exited = serve.TerminateAsync();
            foreach (Socket client in served)
            {
                Assert.Empty(await client.ReadToEndAsync()); // FIN, not RST
                client.Dispose();
            }

            int code = await exited;
            Assert.True(code == 0, $"run {run} ({transport}) exited with {code}:\n{serve.Log.Text}");
            Assert.Contains("0 aborted", serve.Log.Text);
        }
    }
}
