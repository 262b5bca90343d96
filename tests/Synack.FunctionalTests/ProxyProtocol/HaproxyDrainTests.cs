using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Synack.Client;
using Synack.Connections;
using Synack.Errors;
using Synack.FunctionalTests.Infrastructure;
using Synack.ProxyProtocol;
using Synack.Server;

namespace Synack.FunctionalTests.ProxyProtocol;

/// <summary>
/// A rolling restart behind a real HAProxy: two Synack servers with send-proxy-v2, clients sending acknowledged messages
/// the whole time, one server drained and restarted on the same port in the middle. Returns at once where HAProxy is absent.
/// </summary>
public sealed class HaproxyDrainTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>One server generation: what it processed (message id -> the client endpoint the PROXY header named).</summary>
    private sealed class Backend
    {
        public Backend(string name, int port)
        {
            Name = name;
            var options = new ServerOptions { ProxyProtocol = new ProxyProtocolOptions().Trust(IPNetwork.Parse("127.0.0.0/8")) };
            Server = SynackServer.Start(options.Listen(IPAddress.Loopback, port), async connection =>
            {
                // "id" lines: record, then acknowledge with who we are and who the client really is.
                while (await connection.ReadLineAsync() is { } id)
                {
                    Processed[id] = connection.ClientEndPoint.ToString()!;
                    await connection.SendLineAsync($"ack {id} {name} {connection.ClientEndPoint}");
                }
            });
        }

        public string Name { get; }

        public ConcurrentDictionary<string, string> Processed { get; } = new();

        public SynackServer Server { get; }
    }

    [Fact]
    public async Task RestartingOneOfTwoServersBehindHaproxyLosesNoAcknowledgedMessageAndEachServerSeesTheTrueClient()
    {
        string? haproxy = Haproxy.Find();
        if (haproxy is null)
        {
            Loopback.SkipUnlessCi("haproxy");
            return;
        }

        int portA = Loopback.UnusedPort(), portB = Loopback.UnusedPort(), front = Loopback.UnusedPort();
        var a = new Backend("a", portA);
        var b = new Backend("b", portB);
        var generations = new List<Backend> { a, b };
        Haproxy proxy;
        try
        {
            proxy = await Haproxy.StartAsync(haproxy, $"""
            defaults
              mode tcp
              timeout connect 2s
              timeout client 30s
              timeout server 30s
              retries 3
              option redispatch 1
            frontend fe
              bind 127.0.0.1:{front}
              default_backend be
            backend be
              balance roundrobin
              server a 127.0.0.1:{portA} send-proxy-v2 check inter 100ms fall 1 rise 1
              server b 127.0.0.1:{portB} send-proxy-v2 check inter 100ms fall 1 rise 1

            """, front);
        }
        catch
        {
            await Task.WhenAll(generations.Select(g => g.Server.StopAsync(TimeSpan.Zero)));
            throw;
        }

        var acknowledged = new ConcurrentDictionary<string, string>(); // id -> the server that acknowledged it
        var wrongClient = new ConcurrentQueue<string>();
        int reconnects = 0;
        Backend? restarted = null;
        const int Clients = 4, AtLeast = 150, AtMost = 50_000; // bounded in count, and by the 90 s wait below

        async Task ClientAsync(int index)
        {
            Connection? connection = null;
            int next = 0;
            while (next < AtMost && (next < AtLeast || Volatile.Read(ref restarted) is not { } r || r.Processed.Count < 20))
            {
                string id = $"{index}-{next}";
                try
                {
                    connection ??= await SynackClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, front));
                    await connection.SendLineAsync(id);
                    string reply = await connection.ReadLineAsync().AsTask().WaitAsync(Loopback.Patience)
                        ?? throw new SynackException(ErrorKind.Closed, "read", "closed before the acknowledgement");
                    string[] words = reply.Split(' ');
                    Assert.Equal(("ack", id), (words[0], words[1]));
                    if (words[3] != connection.LocalEndPoint.ToString())
                    {
                        wrongClient.Enqueue($"{id}: server saw {words[3]}, client is {connection.LocalEndPoint}");
                    }

                    acknowledged[id] = words[2];
                    next++;
                    if (next % 20 == 0)
                    {
                        // Short-lived connections, as most clients have: each new one is balanced afresh, so the
                        // restarted server gets its share once HAProxy's health check sees it up.
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
                catch (SynackException)
                {
                    // Drained (FIN before an acknowledgement) or refused during the switch: send it again on a new connection.
                    Interlocked.Increment(ref reconnects);
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                    }

                    connection = null;
                }
            }

            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }

        Task clients = Task.WhenAll(Enumerable.Range(0, Clients).Select(ClientAsync));
        try
        {
            // Mid-stream: drain server a (new connects refused, in-flight messages answered, idle connections FIN) and
            // start its replacement on the same port, as a rolling deploy does.
            await Loopback.Until(() => acknowledged.Count >= 100 && !a.Processed.IsEmpty && acknowledged.Values.Contains("b"));

            // Whether a balanced client happens to sit on a when the drain starts is up to timing, so one connection is
            // pinned to a (straight to it, with the PROXY header a trusted proxy would send) and idles there.
            using Socket pinned = await Loopback.ConnectRawAsync(new IPEndPoint(IPAddress.Loopback, portA));
            await pinned.SendAsync("PROXY TCP4 192.0.2.7 127.0.0.1 5555 80\r\npinned\n"u8.ToArray());
            string pinnedAck = "ack pinned a 192.0.2.7:5555\n";
            Assert.Equal(pinnedAck, System.Text.Encoding.ASCII.GetString(await pinned.ReadExactlyAsync(pinnedAck.Length)));

            Task<DrainResult> draining = a.Server.StopAsync(TimeSpan.FromSeconds(20));
            Assert.Empty(await pinned.ReadToEndAsync()); // the drain closed the idle connection with FIN, not RST
            pinned.Shutdown(SocketShutdown.Send);         // and our FIN lets the server finish its graceful close at once
            DrainResult drain = await draining.Within();
            Assert.Equal(0, drain.Aborted);
            Assert.True(drain.Drained >= 1, $"drained {drain.Drained}");
            var replacement = new Backend("a2", portA);
            generations.Add(replacement);
            Volatile.Write(ref restarted, replacement);
            await clients.WaitAsync(TimeSpan.FromSeconds(90));
        }
        finally
        {
            await proxy.DisposeAsync();
            await Task.WhenAll(generations.Select(g => g.Server.StopAsync(TimeSpan.Zero)));
        }

        var processed = generations.SelectMany(g => g.Processed.Keys.Select(id => (id, g.Name))).ToList();
        output.WriteLine($"acknowledged {acknowledged.Count}; processed by {string.Join(", ", generations.Select(g => $"{g.Name} {g.Processed.Count}"))}; reconnects {reconnects}");
        Assert.Empty(wrongClient);
        Assert.All(acknowledged, pair => Assert.Contains((pair.Key, pair.Value), processed)); // no acknowledged message lost
        Assert.Equal(processed.Count, processed.Select(p => p.id).Distinct().Count());        // and none processed twice
        Assert.True(restarted!.Processed.Count >= 20, "the restarted server did not get its share of new connections");
    }
}
