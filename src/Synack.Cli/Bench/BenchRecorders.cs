namespace Synack.Cli.Bench;

/// <summary>The run's measures: round-trip latency (corrected in open loop), the uncorrected figure, connect times.</summary>
internal sealed class BenchRecorders : IDisposable
{
    private long _connects;

    /// <summary>Round trips: from the send (closed loop) or from the intended send (open loop).</summary>
    public LatencyRecorder Latency { get; } = new();

    /// <summary>Open loop only: round trips from the actual send, as a closed-loop tool would report them.</summary>
    public LatencyRecorder Uncorrected { get; } = new();

    /// <summary>From starting a connect to the connection being up (inside the measured window).</summary>
    public LatencyRecorder Connects { get; } = new();

    /// <summary>Connections established inside the measured window.</summary>
    public long ConnectCount => Interlocked.Read(ref _connects);

    public void CountConnect() => Interlocked.Increment(ref _connects);

    public void Dispose()
    {
        Latency.Dispose();
        Uncorrected.Dispose();
        Connects.Dispose();
    }
}
