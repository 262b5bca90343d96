namespace Synack.Server;

/// <summary>
/// A server stopped accepting for a while (<see cref="SynackServer.AcceptPaused"/>) or went on
/// (<see cref="SynackServer.AcceptResumed"/>). New connections wait in the listen backlog meanwhile.
/// </summary>
/// <param name="Reason"><c>"descriptor reserve"</c> (fewer than <see cref="ServerOptions.DescriptorReserve"/> descriptors
/// left) or the accept() error that made the server back off (<c>TooManyOpenSockets</c> for EMFILE/ENFILE,
/// <c>NoBufferSpaceAvailable</c>).</param>
/// <param name="DescriptorsInUse">Descriptors open in the process, at least; -1 if unknown.</param>
/// <param name="DescriptorLimit">The soft RLIMIT_NOFILE; -1 if unknown.</param>
/// <param name="Duration">On resuming, how long accepting was paused; on an accept() error, the backoff; otherwise zero.</param>
public readonly record struct AcceptPause(string Reason, long DescriptorsInUse, long DescriptorLimit, TimeSpan Duration);
