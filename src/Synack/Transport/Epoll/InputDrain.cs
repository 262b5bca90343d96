namespace Synack.Transport.Epoll;

/// <summary>
/// Whether a socket's last recv() emptied it, for an edge-triggered reader that must not call recv() again until a newer
/// input edge: the pipes pump's wait (<see cref="EpollSocketStream.WaitForInputAsync"/>) and SslStream's zero-byte read
/// (<see cref="EpollStream.ReadAsync(Memory{byte}, CancellationToken)"/>) ask it instead of making a syscall.
/// </summary>
/// <param name="drained">The state before the first read: true to wait for the first edge, false when bytes may be there.</param>
internal sealed class InputDrain(bool drained)
{
    private bool _drained = drained;
    private int _drainedAt; // the input signal's sequence before the recv() that emptied the socket

    /// <summary>
    /// A recv() returned <paramref name="received"/> bytes into a buffer of <paramref name="length"/>, after the signal
    /// was at <paramref name="seen"/>. A read that did not fill the buffer emptied the socket; one that filled it may have
    /// left more, as a level-triggered loop would read again; and so may any read once the peer's FIN or an error is
    /// pending (<paramref name="inputEnding"/>: recv() reports those only when called again).
    /// </summary>
    public void OnReceived(int received, int length, int seen, bool inputEnding)
    {
        _drained = received < length && received > 0 && !inputEnding;
        _drainedAt = seen;
    }

    /// <summary>Waits for an input edge newer than the read that emptied the socket; completes at once if it may hold more.</summary>
    public ValueTask<int> WaitForInputAsync(ReadinessSignal readable) => _drained ? readable.WaitForEdgeAsync(_drainedAt) : default;
}
