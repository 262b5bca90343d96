namespace Synack.Cli.Bench;

/// <summary>Latency at one percentile, in microseconds.</summary>
/// <param name="Percentile">0 – 100.</param>
/// <param name="Microseconds">Round-trip latency at that percentile.</param>
internal sealed record LatencyPoint(double Percentile, double Microseconds);

/// <summary>The outcome of a bench run: what <c>--json</c> writes and the table and HTML report show.</summary>
internal sealed record BenchResult
{
    public required string Target { get; init; }
    public required bool EmbeddedServer { get; init; }
    public required int Connections { get; init; }
    public required int Pipeline { get; init; }
    public required int Size { get; init; }
    public required string Framing { get; init; }

    /// <summary>echo, resp (with <see cref="Command"/>) or http.</summary>
    public string Protocol { get; init; } = "echo";

    /// <summary>For resp: ping, set or get.</summary>
    public string? Command { get; init; }
    public required double WarmupSeconds { get; init; }
    public required double DurationSeconds { get; init; }

    /// <summary>Messages whose echo arrived inside the measured window, each verified byte for byte.</summary>
    public required long Messages { get; init; }
    public required double MessagesPerSecond { get; init; }

    /// <summary>Echoed payload throughput (one direction).</summary>
    public required double MebibytesPerSecond { get; init; }
    public required double P50Microseconds { get; init; }
    public required double P90Microseconds { get; init; }
    public required double P99Microseconds { get; init; }
    public required double P999Microseconds { get; init; }
    public required double MaxMicroseconds { get; init; }
    public required double MeanMicroseconds { get; init; }
    public required IReadOnlyList<LatencyPoint> LatencyPercentiles { get; init; }

    /// <summary>Open loop: the requested total rate (requests/s); null for closed loop.</summary>
    public double? TargetRate { get; init; }

    /// <summary>Open loop: true when the achieved rate was within 5 % of the target.</summary>
    public bool? RateReached { get; init; }

    /// <summary>Open loop: latency measured from the actual send (what a closed-loop tool would report), beside the corrected figures above.</summary>
    public IReadOnlyList<LatencyPoint>? UncorrectedPercentiles { get; init; }

    /// <summary>Open loop: the uncorrected p99.</summary>
    public double? UncorrectedP99Microseconds { get; init; }

    /// <summary>Connections established inside the measured window (with <c>--reconnect</c>, the accept/handshake workload).</summary>
    public long Connects { get; init; }

    public double ConnectsPerSecond { get; init; }

    public double ConnectP50Microseconds { get; init; }

    public double ConnectP99Microseconds { get; init; }

    /// <summary>The measured window second by second.</summary>
    public IReadOnlyList<BenchSecond> Series { get; init; } = [];

    /// <summary>This process's CPU over the window, in % of one core (client and, if embedded, the server).</summary>
    public required double CpuPercent { get; init; }
    public required double CpuMicrosecondsPerMessage { get; init; }

    /// <summary>Failures by kind (refused, reset, timed out, ...), plus "corrupt" for replies that failed verification.</summary>
    public required IReadOnlyDictionary<string, long> Errors { get; init; }
    public long ErrorCount => Errors.Values.Sum();

    /// <summary>How the load was generated: the client engine, its threads and where they ran.</summary>
    public string ClientEngine { get; init; } = "";

    /// <summary>Client loop threads.</summary>
    public int ClientThreads { get; init; }

    /// <summary>The embedded server's transport (epoll or sockets); null for a remote server.</summary>
    public string? ServerTransport { get; init; }

    /// <summary>The command line that produced this run.</summary>
    public string CommandLine { get; init; } = "";

    /// <summary>The synack tool's version.</summary>
    public string Version { get; init; } = "";

    /// <summary>When the run started (UTC).</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>For the embedded server: connections drained / aborted when it stopped.</summary>
    public string? ServerDrain { get; init; }
}
