using System.Net.Sockets;
using Synack.Transport;

namespace Synack.Server;

/// <summary>
/// Surviving the descriptor limit (issue 14, problem 1; proved by <c>UnderALowDescriptorLimitServePausesAcceptingSurvivesAndDrainsCleanly</c>):
/// raise the soft limit at start, keep a reserve so accept() never takes the last descriptors, and load at start what
/// the close path would otherwise load on first use (loading an assembly needs a descriptor).
/// </summary>
public sealed partial class SynackServer
{
    private DescriptorReserve? _reserve;

    /// <summary>
    /// Raised when accepting pauses: fewer than <see cref="ServerOptions.DescriptorReserve"/> descriptors are left, or
    /// accept() failed for lack of descriptors or buffers (raised at the first backoff of a run). Also counted by the
    /// metric <c>synack.accept.paused</c>. Runs on an accept loop's thread: keep it short, never block.
    /// </summary>
    public event Action<AcceptPause>? AcceptPaused;

    /// <summary>Raised when accepting goes on after a pause for the descriptor reserve, with how long it lasted.</summary>
    public event Action<AcceptPause>? AcceptResumed;

    /// <summary>Before binding: the limit, the reserve and the warm close path.</summary>
    private void PrepareDescriptors()
    {
        if (_options.RaiseDescriptorLimit)
        {
            Descriptors.RaiseSoftLimitToHard();
        }

        if (_options.DescriptorReserve > 0)
        {
            _reserve = new DescriptorReserve(_options.DescriptorReserve, _time, OnReservePaused, OnReserveResumed);
        }

        Synack.Transport.Tls.TlsByteStream.WarmReleasePath();
    }

    private AcceptLoop CreateAcceptLoop(Socket listener) => new(listener.AcceptAsync, OnAccepted, _time, OnAcceptBackoff, _reserve);

    /// <summary>A connection's socket is closed: its descriptor is free again.</summary>
    private void OnReleased() => _reserve?.Released();

    private void OnReservePaused(long inUse, long limit)
    {
        Diagnostics.SynackMetrics.AcceptPaused("descriptor_reserve");
        AcceptPaused?.Invoke(new AcceptPause("descriptor reserve", inUse, limit, TimeSpan.Zero));
    }

    private void OnReserveResumed(TimeSpan pausedFor) =>
        AcceptResumed?.Invoke(new AcceptPause("descriptor reserve", -1, Descriptors.SoftLimit(), pausedFor));

    private void OnAcceptBackoff(SocketError error, TimeSpan backoff)
    {
        if (backoff == AcceptLoop.MinBackoff)
        {
            // The first backoff of a run: later ones (doubling to 1 s) are the same pause, not news.
            Diagnostics.SynackMetrics.AcceptPaused("accept_error");
            AcceptPaused?.Invoke(new AcceptPause(error.ToString(), Descriptors.InUseAtLeast(), Descriptors.SoftLimit(), backoff));
        }
    }
}
