namespace Synack.Server;

/// <summary>
/// What <see cref="SynackServer.Broadcast(ReadOnlyMemory{byte}, SlowConsumerPolicy, Connections.Connection?)"/> does with a
/// connection that has <see cref="Connections.ConnectionOptions.MaxPendingSendBytes"/> unsent (it does not read fast
/// enough: <see cref="Connections.WriteRefusal.Backpressure"/>). Precedent: Netty's <c>isWritable</c> /
/// <c>channelWritabilityChanged</c>, and NetCoreServer users comparing <c>BytesPending</c> with a bound.
/// </summary>
public enum SlowConsumerPolicy
{
    /// <summary>The slow consumer misses this message and stays connected (a live feed where the next update replaces it).</summary>
    Skip,

    /// <summary>
    /// The slow consumer is aborted (RST, close reason <see cref="Connections.CloseReason.LimitExceeded"/>): a chat room
    /// or a replication stream where a gap would be wrong, so a consumer that cannot keep up must reconnect.
    /// </summary>
    Disconnect,
}
