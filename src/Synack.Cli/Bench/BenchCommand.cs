using System.CommandLine;
using Synack.Cli.Bench.Protocols;
using Synack.Cli.Common;
using Synack.Server;

namespace Synack.Cli.Bench;

/// <summary>
/// <c>synack bench [HOST:PORT] [-c N] [-P N] [-s BYTES] [-d T] [-w T] [--protocol echo|resp|http] [--rate N]
/// [--connect-rate N] [--reconnect K] [--threads N] [--json F] [--html F] [--hdr F]</c>, and <c>synack bench compare</c>.
/// With no target it starts an embedded Synack echo server on an ephemeral loopback port and benchmarks that.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliConsole console)
    {
        var target = new Argument<string?>("target") { Description = "HOST:PORT of the server (default: an embedded echo server on loopback)", Arity = ArgumentArity.ZeroOrOne };
        var connections = new Option<int>("--connections", "-c") { Description = "concurrent connections (default 50)", DefaultValueFactory = _ => 50 };
        var pipeline = new Option<int>("--pipeline", "-P") { Description = "requests in flight per connection (default 1)", DefaultValueFactory = _ => 1 };
        var size = new Option<int>("--size", "-s") { Description = "payload bytes per message, or per RESP value (default 32)", DefaultValueFactory = _ => 32 };
        var duration = new Option<string>("--duration", "-d") { Description = "measured time (default 5s)", DefaultValueFactory = _ => "5s" };
        var warmup = new Option<string>("--warmup", "-w") { Description = "unmeasured warm-up (default 1s)", DefaultValueFactory = _ => "1s" };
        var framing = new Option<FramingMode>("--framing", "-f") { Description = "echo framing: raw | line | length (default raw)" };
        var protocol = new Option<string>("--protocol") { Description = "echo (every byte verified) | resp (Redis) | http (HTTP/1.1 GET) (default echo)", DefaultValueFactory = _ => "echo" };
        var command = new Option<string?>("--command") { Description = "resp: ping (default) | set | get" };
        var keyspace = new Option<int>("--keyspace") { Description = "resp set/get: distinct keys (default 100000)", DefaultValueFactory = _ => 100_000 };
        var path = new Option<string>("--path") { Description = "http: the path to GET (default /)", DefaultValueFactory = _ => "/" };
        var rate = new Option<double?>("--rate", "-R") { Description = "open loop: total requests per second, latency from each request's intended send time (coordinated omission corrected)" };
        var connectRate = new Option<double?>("--connect-rate") { Description = "open connections at most this many per second (a ramp)" };
        var reconnect = new Option<int?>("--reconnect", "-k") { Description = "close each connection after K replies and open a new one (connects/s and connect latency)" };
        var tls = new Option<bool>("--tls") { Description = "connect with TLS (the certificate is not verified, as wrk's; a remote target only)" };
        var json = new Option<FileInfo?>("--json") { Description = "write the results as JSON to this file" };
        var html = new Option<FileInfo?>("--html") { Description = "write a self-contained HTML report" };
        var hdr = new Option<FileInfo?>("--hdr") { Description = "write an HdrHistogram interval log (one interval per second) to this file" };
        var threads = new Option<int?>("--threads") { Description = "client loop threads (default: one per core the embedded server does not use; all cores for a remote server)" };
        var transport = new Option<SynackTransport?>("--transport") { Description = "the embedded server's transport: auto (default: epoll on Linux for the raw echo) | sockets | epoll" };

        var bench = new Command("bench", "load-test a server: throughput, latency percentiles, connects, CPU, errors")
        {
            target, connections, pipeline, size, duration, warmup, framing, protocol, command, keyspace, path, rate, connectRate, reconnect, tls,
            json, html, hdr, transport, threads,
            BenchCompare.Create(console),
        };
        bench.SetAction((parsed, cancellationToken) =>
        {
            var settings = new BenchSettings
            {
                Target = parsed.GetValue(target) is { } text ? HostPort.Parse(text) : null,
                Connections = parsed.GetValue(connections),
                Pipeline = parsed.GetValue(pipeline),
                Size = parsed.GetValue(size),
                Duration = Durations.Parse(parsed.GetValue(duration)!, "--duration"),
                Warmup = Durations.Parse(parsed.GetValue(warmup)!, "--warmup"),
                Framing = parsed.GetValue(framing),
                Protocol = parsed.GetValue(protocol)!.ToLowerInvariant(),
                Command = parsed.GetValue(command)?.ToLowerInvariant(),
                KeySpace = parsed.GetValue(keyspace),
                Path = parsed.GetValue(path)!,
                Rate = parsed.GetValue(rate),
                ConnectRate = parsed.GetValue(connectRate),
                Reconnect = parsed.GetValue(reconnect),
                Tls = parsed.GetValue(tls),
                Transport = parsed.GetValue(transport),
                Threads = parsed.GetValue(threads),
            }.Validate();
            return BenchRun.RunAsync(console, settings, new BenchOutputs(parsed.GetValue(json), parsed.GetValue(html), parsed.GetValue(hdr)), cancellationToken);
        });
        return bench;
    }
}

/// <summary>The files a run writes, if asked.</summary>
internal sealed record BenchOutputs(FileInfo? Json, FileInfo? Html, FileInfo? Hdr);
