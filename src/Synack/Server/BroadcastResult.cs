namespace Synack.Server;

/// <summary>What one broadcast did with each connection (see <see cref="SynackServer.Broadcast(ReadOnlyMemory{byte}, SlowConsumerPolicy, Connections.Connection?)"/>).</summary>
public readonly struct BroadcastResult
{
    internal BroadcastResult(int delivered, int slow, int busy, int disconnected)
    {
        Delivered = delivered;
        SkippedSlow = slow;
        SkippedBusy = busy;
        Disconnected = disconnected;
    }

    /// <summary>Connections that took the message.</summary>
    public int Delivered { get; }

    /// <summary>Slow consumers (<see cref="Connections.WriteRefusal.Backpressure"/>) skipped under <see cref="SlowConsumerPolicy.Skip"/>.</summary>
    public int SkippedSlow { get; }

    /// <summary>Connections whose send lock stayed taken by another send (<see cref="Connections.WriteRefusal.Busy"/>): skipped, left connected.</summary>
    public int SkippedBusy { get; }

    /// <summary>Slow consumers aborted under <see cref="SlowConsumerPolicy.Disconnect"/>.</summary>
    public int Disconnected { get; }

    /// <inheritdoc/>
    public override string ToString() => $"delivered {Delivered}, slow {SkippedSlow}, busy {SkippedBusy}, disconnected {Disconnected}";
}
