namespace Synack.Testing.Proxy;

/// <summary>
/// One kind of misbehaviour (a toxiproxy "toxic"): a small stage in a direction's chain that sees every chunk on its way
/// and decides what goes on, when, and whether the link survives. Register new ones in <see cref="FaultCatalog"/>.
/// </summary>
/// <remarks>
/// <code>
///  socket ──chunk──► fault 1 ──► fault 2 ──► ... ──► peer socket          (per connection, per direction)
///                      │ next(chunk) forwards (maybe later, maybe sliced)
///                      └ link.Reset() / link.Close() / drop the chunk (black hole)
/// </code>
/// A fault instance is shared by all connections; per-connection state lives in <see cref="FaultLink.State"/>.
/// </remarks>
public abstract class Fault
{
    /// <summary>Where the fault applies. Default both directions.</summary>
    public Direction Direction { get; set; } = Direction.Both;

    /// <summary>The chance (0 – 1) that a new connection gets this fault at all (toxiproxy's toxicity). Default 1.</summary>
    public double Probability { get; set; } = 1;

    /// <summary>Handles one chunk: call <paramref name="next"/> to pass (part of) it on.</summary>
    public abstract ValueTask OnChunkAsync(ReadOnlyMemory<byte> chunk, FaultLink link, Func<ReadOnlyMemory<byte>, ValueTask> next);

    /// <summary>The sender finished (FIN): call <paramref name="next"/> to pass the half-close on. Default: at once.</summary>
    public virtual ValueTask OnEndAsync(FaultLink link, Func<ValueTask> next) => next();

    /// <summary>Called once per connection and direction before any chunk (start timers here).</summary>
    public virtual void OnOpen(FaultLink link)
    {
    }
}
