using Synack.Cli.Common;

namespace Synack.Cli.Bench;

/// <summary>What one <c>synack bench</c> run does. Validated on construction: every run is bounded in time and size.</summary>
internal sealed record BenchSettings
{
    /// <summary>The server to load, or null to start the embedded echo server on an ephemeral loopback port.</summary>
    public HostPort? Target { get; init; }

    /// <summary>The embedded server's transport; null for the default. Only without <see cref="Target"/>.</summary>
    public Synack.Server.SynackTransport? Transport { get; init; }

    /// <summary>Concurrent connections (1 – 10,000).</summary>
    public int Connections { get; init; } = 50;

    /// <summary>Messages in flight per connection (1 – 1,024): 1 is request/response, more is pipelining.</summary>
    public int Pipeline { get; init; } = 1;

    /// <summary>Payload bytes per message (1 – 1 MiB).</summary>
    public int Size { get; init; } = 32;

    /// <summary>Measured time, after the warm-up (at most 1 hour).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Unmeasured time first (JIT, TCP windows, caches).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Client loop threads; null for one per core the embedded server does not use (all cores for a remote target).</summary>
    public int? Threads { get; init; }

    /// <summary>How messages are framed on the wire; the server must echo them with the same framing.</summary>
    public FramingMode Framing { get; init; } = FramingMode.Raw;

    /// <summary>What the connections say: <c>echo</c> (default, every byte verified), <c>resp</c> or <c>http</c> (see <see cref="Protocols.BenchProtocols"/>).</summary>
    public string Protocol { get; init; } = "echo";

    /// <summary>For <c>resp</c>: <c>ping</c> (default), <c>set</c> or <c>get</c>.</summary>
    public string? Command { get; init; }

    /// <summary>For <c>resp</c> SET/GET: how many distinct keys (redis-benchmark's <c>-r</c>).</summary>
    public int KeySpace { get; init; } = 100_000;

    /// <summary>For <c>http</c>: the path requested.</summary>
    public string Path { get; init; } = "/";

    /// <summary>Open loop: total messages per second, spread evenly over the connections (wrk2's <c>-R</c>); null for closed loop.</summary>
    public double? Rate { get; init; }

    /// <summary>New connections per second while connecting (a ramp); null for all at once.</summary>
    public double? ConnectRate { get; init; }

    /// <summary>Close each connection after this many messages and open a new one (redis-benchmark <c>-k 0</c>); null to keep them.</summary>
    public int? Reconnect { get; init; }

    /// <summary>Connect with TLS; the server's certificate is not verified (as wrk and <c>curl -k</c>: a bench measures, it does not authenticate).</summary>
    public bool Tls { get; init; }

    /// <summary>Throws <see cref="UsageException"/> when a value is out of range.</summary>
    public BenchSettings Validate()
    {
        Check(Connections is >= 1 and <= 10_000, "--connections must be from 1 to 10000");
        Check(Pipeline is >= 1 and <= 1024, "--pipeline must be from 1 to 1024");
        Check(Size is >= 1 and <= 1 << 20, "--size must be from 1 to 1048576 bytes");
        Check(Duration > TimeSpan.Zero && Duration <= TimeSpan.FromHours(1), "--duration must be more than 0 and at most 1h");
        Check(Warmup >= TimeSpan.Zero && Warmup <= TimeSpan.FromMinutes(10), "--warmup must be from 0 to 10m");
        Check(Framing != FramingMode.Line || Size <= 8192, "--size must be at most 8192 with line framing (the line limit)");
        Check(Threads is null or (>= 1 and <= 256), "--threads must be from 1 to 256");
        Check(Protocols.BenchProtocols.Names.Contains(Protocol), $"--protocol must be one of {string.Join(", ", Protocols.BenchProtocols.Names)}");
        Check(Command is null || (Protocol == "resp" && Protocols.RespProtocol.Commands.Contains(Command)), "--command applies to --protocol resp and must be ping, set or get");
        Check(KeySpace is >= 1 and <= 1_000_000_000, "--keyspace must be from 1 to 1000000000");
        Check(Path.StartsWith('/') && !Path.Any(char.IsWhiteSpace), "--path must start with / and contain no spaces");
        Check(Protocol == "echo" || Framing == FramingMode.Raw, "--framing applies to --protocol echo");
        Check(Protocol == "echo" || Target is not null, "the embedded server speaks echo only: give a target for --protocol resp or http");
        Check(Rate is null or (>= 1 and <= 100_000_000), "--rate must be from 1 to 100000000 messages per second");
        Check(ConnectRate is null or (>= 1 and <= 1_000_000), "--connect-rate must be from 1 to 1000000 per second");
        Check(Reconnect is null or (>= 1 and <= 1_000_000_000), "--reconnect must be from 1 to 1000000000 messages per connection");
        Check(Reconnect is null || Rate is null, "--reconnect and --rate cannot be combined");
        Check(Transport is null || Target is null, "--transport applies to the embedded server; a remote server chooses its own");
        Check(!Tls || Target is not null, "--tls needs a target: the embedded server speaks plain TCP");
        return this;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new UsageException(message);
        }
    }
}
