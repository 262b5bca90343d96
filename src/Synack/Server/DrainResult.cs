namespace Synack.Server;

/// <summary>What a drain did: how many connections finished on their own and how many were aborted at the deadline.</summary>
/// <param name="Drained">Connections whose handlers finished before the deadline (closed gracefully).</param>
/// <param name="Aborted">Connections still running at the deadline, aborted with RST.</param>
/// <param name="Elapsed">How long the drain took.</param>
public readonly record struct DrainResult(int Drained, int Aborted, TimeSpan Elapsed);
