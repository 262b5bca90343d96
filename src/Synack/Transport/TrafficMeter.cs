namespace Synack.Transport;

/// <summary>
/// One connection's counters and clocks: bytes and frames each way, the last activity and send, the frame clock (an
/// incomplete frame waiting for more bytes) and the blocked-send clocks. The engine that moves the bytes updates them
/// (a field of the engine, so the inline path counts with plain field writes, no call); the connection's watchdog reads
/// them (<c>Connection.CheckTimeouts</c>). Timestamps are <see cref="TimeProvider.GetTimestamp"/> values; 0 means "not
/// running".
/// </summary>
/// <remarks>
/// The pipes engines' pumps, the frame helpers and the watchdog update it from several threads (interlocked); the inline
/// engine, whose one writer holds the connection's lock, uses the <c>...Inline</c> variants (volatile writes, atomic for
/// 64-bit values on every platform .NET runs on, instead of locked instructions).
/// </remarks>
internal struct TrafficMeter
{
    private long _bytesReceived;
    private long _bytesSent;
    private long _framesReceived;
    private long _framesSent;
    private long _lastActivity;
    private long _frameStartedAt;
    private long _frameBytesAtStart;
    private long _sendBlockedSince;
    private long _sendBytesAtBlock;
    private long _lastSend;
    private long _sendPendingSince;

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long LastActivity => Interlocked.Read(ref _lastActivity);

    public long LastSend => Interlocked.Read(ref _lastSend);

    /// <summary>When the incomplete frame began waiting (0: none).</summary>
    public long FrameStartedAt => Interlocked.Read(ref _frameStartedAt);

    /// <summary>Bytes received since the incomplete frame began waiting.</summary>
    public long FrameBytesMoved => BytesReceived - Interlocked.Read(ref _frameBytesAtStart);

    /// <summary>When sends began to block, kept until the send pump runs dry (0: not blocked).</summary>
    public long SendBlockedSince => Interlocked.Read(ref _sendBlockedSince);

    /// <summary>Bytes sent since sends began to block.</summary>
    public long SendBytesMoved => BytesSent - Interlocked.Read(ref _sendBytesAtBlock);

    /// <summary>When the send in progress blocked (0: none), stopped as soon as it completes.</summary>
    public long SendPendingSince => Interlocked.Read(ref _sendPendingSince);

    /// <summary>The connection started: activity and send clocks start now.</summary>
    public void Start(long now)
    {
        Interlocked.Exchange(ref _lastActivity, now);
        Interlocked.Exchange(ref _lastSend, now);
    }

    /// <summary>A heartbeat is on its way: one per interval, even before it is sent.</summary>
    public void MarkSend(long now) => Interlocked.Exchange(ref _lastSend, now);

    /// <summary>An incomplete frame of <paramref name="buffered"/> bytes waits for more: the frame clock starts, unless running.</summary>
    public void OnFrameIncomplete(long buffered, long now)
    {
        if (Interlocked.Read(ref _frameStartedAt) == 0)
        {
            Interlocked.Exchange(ref _frameBytesAtStart, BytesReceived - buffered);
            Interlocked.Exchange(ref _frameStartedAt, now);
        }
    }

    /// <summary>A frame helper completed a frame (or stopped reading): the frame clock stops.</summary>
    /// <remarks>
    /// Plain writes, not locked instructions: frames are counted by the one reader a connection allows, and sent frames
    /// under its send lock, so each counter has a single writer at a time (the framed echo took three locked
    /// instructions per frame here: perf, docs/benchmarks.md, stop 20). The clock is written only when it runs.
    /// </remarks>
    public void OnFrameEnded()
    {
        if (Volatile.Read(ref _frameStartedAt) != 0)
        {
            Interlocked.Exchange(ref _frameStartedAt, 0);
        }

        Volatile.Write(ref _framesReceived, _framesReceived + 1);
    }

    /// <summary>A frame was queued for sending (under the send lock: one writer at a time, see <see cref="OnFrameEnded"/>).</summary>
    public void OnFrameSent() => Volatile.Write(ref _framesSent, _framesSent + 1);

    /// <summary>
    /// An inline handler's call: a message completed (<paramref name="consumedAny"/>) stops the frame clock, and
    /// <paramref name="unconsumed"/> bytes left over start it, as the frame helpers do for an incomplete frame.
    /// </summary>
    public void OnMessageConsumed(bool consumedAny, long unconsumed, TimeProvider time)
    {
        if (consumedAny && Volatile.Read(ref _frameStartedAt) != 0)
        {
            Interlocked.Exchange(ref _frameStartedAt, 0);
        }

        if (unconsumed > 0)
        {
            OnFrameIncomplete(unconsumed, time.GetTimestamp());
        }
    }

    public void OnReceived(int count, long now)
    {
        Interlocked.Exchange(ref _lastActivity, now);
        Interlocked.Add(ref _bytesReceived, count); // last, as in OnSent: a counted byte implies its activity time is recorded
    }

    /// <summary><see cref="OnReceived"/> for the inline path, where the one writer holds the connection's lock: once per batch.</summary>
    public void OnReceivedInline(int count, long now)
    {
        Volatile.Write(ref _lastActivity, now);
        Volatile.Write(ref _bytesReceived, _bytesReceived + count); // last: a counted byte implies its activity time
    }

    public void OnSent(int count, long now)
    {
        Interlocked.Exchange(ref _sendPendingSince, 0); // progress: the send timeout measures one stalled send, not a stream
        Interlocked.Exchange(ref _lastActivity, now);
        Interlocked.Exchange(ref _lastSend, now);
        Interlocked.Add(ref _bytesSent, count); // last: whoever sees the bytes counted also sees the send's time
    }

    /// <summary><see cref="OnSent"/> for the inline path (one writer, under the connection's lock).</summary>
    public void OnSentInline(int count, long now)
    {
        if (_sendPendingSince != 0)
        {
            Volatile.Write(ref _sendPendingSince, 0);
        }

        Volatile.Write(ref _lastActivity, now);
        Volatile.Write(ref _lastSend, now);
        Volatile.Write(ref _bytesSent, _bytesSent + count); // last: whoever sees the bytes counted also sees the send's time
    }

    /// <summary>
    /// A send could not complete at once: the peer's window or our send buffer is full. Starts the rate window (kept
    /// until the send pump runs dry) and the pending-send clock (stopped as soon as this send completes).
    /// </summary>
    public void OnSendBlocked(long now)
    {
        Interlocked.Exchange(ref _sendPendingSince, now);
        if (Interlocked.Read(ref _sendBlockedSince) == 0)
        {
            Interlocked.Exchange(ref _sendBytesAtBlock, BytesSent);
            Interlocked.Exchange(ref _sendBlockedSince, now);
        }
    }

    /// <summary>Everything queued was sent and the sender waits for more: nothing is blocked.</summary>
    public void OnSendIdle() => Interlocked.Exchange(ref _sendBlockedSince, 0);
}
