namespace Synack.Connections;

/// <summary>
/// The watchdog: once a second (Kestrel's heartbeat period) it checks the connection against its timeouts.
/// </summary>
/// <remarks>
/// <code>
///  frame incomplete (frame helpers waiting for more bytes) ── longer than FrameReadTimeout ──────────► abort (RST), Timeout
///                                                          └─ slower than MinReceiveRate after grace ► abort (RST), Timeout
///  one send stalled (the peer does not read) ────────────────── longer than SendTimeout ─────────────► abort (RST), Timeout
///  sends blocked, on and off, until the pump runs dry ──────── slower than MinSendRate after grace ───► abort (RST), Timeout
///  nothing sent for Heartbeat.Interval ─────────────────────────────────────────────────────────────► send Heartbeat.Payload
///  nothing of the above, and no byte either way for IdleTimeout ─────────────────────────────────────► close (FIN), Timeout
/// </code>
/// All times come from the injected <see cref="TimeProvider"/>, so tests drive them with a fake clock. A server's
/// connections are checked by the server's one heartbeat timer (<see cref="WatchedByServer"/>, Kestrel's design: one
/// timer walks every connection), so an idle connection holds no timer of its own; a client connection has its own.
/// </remarks>
public sealed partial class Connection
{
    /// <summary>How often timeouts are checked: once a second, Kestrel's heartbeat period.</summary>
    internal static readonly TimeSpan WatchdogPeriod = TimeSpan.FromSeconds(1);

    private ITimer? _watchdog;
    private volatile bool _watchdogArmed;
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
    private int _heartbeatInFlight;

    /// <summary>Bytes received from the peer so far.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Bytes the kernel has accepted for sending so far.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Frames a <see cref="Framing.FrameReader{T}"/> has decoded from this connection so far.</summary>
    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    /// <summary>Frames a <see cref="Framing.FrameWriter{T}"/> has queued on this connection so far.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>True while sends wait for a peer that does not read (the kernel's send buffer is full).</summary>
    internal bool IsSendBlocked => Interlocked.Read(ref _sendBlockedSince) != 0;

    /// <summary>True while a frame helper waits for the rest of an incomplete frame.</summary>
    internal bool IsFrameIncomplete => Interlocked.Read(ref _frameStartedAt) != 0;

    /// <summary>A frame helper found an incomplete frame of <paramref name="buffered"/> bytes and will wait for more.</summary>
    internal void OnFrameIncomplete(long buffered)
    {
        if (Interlocked.Read(ref _frameStartedAt) == 0)
        {
            Interlocked.Exchange(ref _frameBytesAtStart, BytesReceived - buffered);
            Interlocked.Exchange(ref _frameStartedAt, _time.GetTimestamp());
        }
    }

    /// <summary>A frame helper completed a frame (or stopped reading): the frame clock stops.</summary>
    internal void OnFrameEnded()
    {
        Interlocked.Exchange(ref _frameStartedAt, 0);
        Interlocked.Increment(ref _framesReceived);
    }

    /// <summary>Set before <see cref="Start"/> by a server whose heartbeat calls <see cref="CheckTimeouts"/>: no timer of its own.</summary>
    internal bool WatchedByServer { get; set; }

    private void StartWatchdog()
    {
        Interlocked.Exchange(ref _lastActivity, _time.GetTimestamp());
        ConnectionOptions o = Options;
        Interlocked.Exchange(ref _lastSend, _time.GetTimestamp());
        _watchdogArmed = true; // after the clocks start: a check before then would find the connection idle since time 0
        if (WatchedByServer)
        {
            return;
        }

        bool any = o.Heartbeat is not null || o.IdleTimeout != Timeout.InfiniteTimeSpan || o.FrameReadTimeout != Timeout.InfiniteTimeSpan
            || o.SendTimeout != Timeout.InfiniteTimeSpan || o.MinReceiveRate is not null || o.MinSendRate is not null;
        if (any)
        {
            _watchdog = _time.CreateTimer(static state => ((Connection)state!).CheckTimeouts(), this, WatchdogPeriod, WatchdogPeriod);
        }
    }

    private void StopWatchdog() => _watchdog?.Dispose();

    private void OnReceived(int count)
    {
        Interlocked.Exchange(ref _lastActivity, _time.GetTimestamp());
        Interlocked.Add(ref _bytesReceived, count); // last, as in OnSent: a counted byte implies its activity time is recorded
    }

    /// <summary>
    /// <see cref="OnReceived"/> for the inline path, where the one writer holds the connection's lock: volatile writes
    /// (atomic for 64-bit values on every platform .NET runs on) instead of locked instructions, once per batch.
    /// </summary>
    private void OnReceivedInline(int count)
    {
        Volatile.Write(ref _lastActivity, _time.GetTimestamp());
        Volatile.Write(ref _bytesReceived, _bytesReceived + count); // last: a counted byte implies its activity time
    }

    /// <summary><see cref="OnSent"/> for the inline path (one writer, under the connection's lock).</summary>
    private void OnSentInline(int count)
    {
        if (_sendPendingSince != 0)
        {
            Volatile.Write(ref _sendPendingSince, 0);
        }

        long now = _time.GetTimestamp();
        Volatile.Write(ref _lastActivity, now);
        Volatile.Write(ref _lastSend, now);
        Volatile.Write(ref _bytesSent, _bytesSent + count); // last: whoever sees the bytes counted also sees the send's time
    }

    private void OnSent(int count)
    {
        Interlocked.Exchange(ref _sendPendingSince, 0); // progress: the send timeout measures one stalled send, not a stream
        long now = _time.GetTimestamp();
        Interlocked.Exchange(ref _lastActivity, now);
        Interlocked.Exchange(ref _lastSend, now);
        Interlocked.Add(ref _bytesSent, count); // last: whoever sees the bytes counted also sees the send's time
    }

    /// <summary>
    /// A send could not complete at once: the peer's window or our send buffer is full. Starts the rate window (kept
    /// until the send pump runs dry) and the pending-send clock (stopped as soon as this send completes).
    /// </summary>
    private void OnSendBlocked()
    {
        long now = _time.GetTimestamp();
        Interlocked.Exchange(ref _sendPendingSince, now);
        if (Interlocked.Read(ref _sendBlockedSince) == 0)
        {
            Interlocked.Exchange(ref _sendBytesAtBlock, BytesSent);
            Interlocked.Exchange(ref _sendBlockedSince, now);
        }
    }

    /// <summary>Everything queued was sent and the send pump waits for more: nothing is blocked.</summary>
    private void OnSendIdle() => Interlocked.Exchange(ref _sendBlockedSince, 0);

    /// <summary>Checks the connection against its timeouts: from its own timer, or from its server's heartbeat.</summary>
    internal void CheckTimeouts()
    {
        if (!_watchdogArmed)
        {
            return; // not started yet (a PROXY header or TLS handshake comes first; they have their own timeouts)
        }

        if (CloseReason != CloseReason.None)
        {
            StopWatchdog();
            return;
        }

        ConnectionOptions o = Options;
        long now = _time.GetTimestamp();
        long frameStart = Interlocked.Read(ref _frameStartedAt);
        long blockedSince = Interlocked.Read(ref _sendBlockedSince);
        if (Overdue(frameStart, BytesReceived - Interlocked.Read(ref _frameBytesAtStart), o.FrameReadTimeout, o.MinReceiveRate, now)
            || Overdue(blockedSince, BytesSent - Interlocked.Read(ref _sendBytesAtBlock), Timeout.InfiniteTimeSpan, o.MinSendRate, now)
            || Overdue(Interlocked.Read(ref _sendPendingSince), 0, o.SendTimeout, null, now))
        {
            AbortCore(CloseReason.Timeout);
            return;
        }

        if (o.Heartbeat is { } heartbeat && blockedSince == 0
            && _time.GetElapsedTime(Interlocked.Read(ref _lastSend), now) >= heartbeat.Interval)
        {
            _ = SendHeartbeatAsync(heartbeat);
        }

        if (frameStart == 0 && blockedSince == 0 && o.IdleTimeout != Timeout.InfiniteTimeSpan
            && _time.GetElapsedTime(Interlocked.Read(ref _lastActivity), now) > o.IdleTimeout
            && TrySetCloseReason(CloseReason.Timeout))
        {
            _ = CloseAsync();
        }
    }

    /// <summary>Sends the heartbeat unless one is still on its way; a failure surfaces through the pumps, not here.</summary>
    private async Task SendHeartbeatAsync(Heartbeat heartbeat)
    {
        if (Interlocked.Exchange(ref _heartbeatInFlight, 1) != 0)
        {
            return;
        }

        try
        {
            Interlocked.Exchange(ref _lastSend, _time.GetTimestamp()); // one heartbeat per interval, even before it is sent
            if (IsInline)
            {
                SendHeartbeatInline(heartbeat.Payload);
                return;
            }

            await SendAsync(heartbeat.Payload).ConfigureAwait(false);
        }
        catch (Errors.SynackException)
        {
            // The connection is closing or dead: its close reason already says why.
        }
        finally
        {
            Interlocked.Exchange(ref _heartbeatInFlight, 0);
        }
    }

    /// <summary>A window that started at <paramref name="since"/> (0: none) ran past its limit or below its rate.</summary>
    private bool Overdue(long since, long bytesMoved, TimeSpan limit, DataRate? rate, long now)
    {
        if (since == 0)
        {
            return false;
        }

        TimeSpan elapsed = _time.GetElapsedTime(since, now);
        return (limit != Timeout.InfiniteTimeSpan && elapsed > limit) || rate?.IsViolatedBy(bytesMoved, elapsed) == true;
    }
}
