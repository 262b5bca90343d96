using Synack.Transport;

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
    private int _heartbeatInFlight;

    /// <summary>Bytes received from the peer so far.</summary>
    public long BytesReceived => _engine.Meter.BytesReceived;

    /// <summary>Bytes the kernel has accepted for sending so far.</summary>
    public long BytesSent => _engine.Meter.BytesSent;

    /// <summary>Frames a <see cref="Framing.FrameReader{T}"/> has decoded from this connection so far.</summary>
    public long FramesReceived => _engine.Meter.FramesReceived;

    /// <summary>Frames a <see cref="Framing.FrameWriter{T}"/> has queued on this connection so far.</summary>
    public long FramesSent => _engine.Meter.FramesSent;

    /// <summary>True while sends wait for a peer that does not read (the kernel's send buffer is full).</summary>
    internal bool IsSendBlocked => _engine.Meter.SendBlockedSince != 0;

    /// <summary>True while a frame helper waits for the rest of an incomplete frame.</summary>
    internal bool IsFrameIncomplete => _engine.Meter.FrameStartedAt != 0;

    /// <summary>A frame helper found an incomplete frame of <paramref name="buffered"/> bytes and will wait for more.</summary>
    internal void OnFrameIncomplete(long buffered) => _engine.Meter.OnFrameIncomplete(buffered, _engine.Time.GetTimestamp());

    /// <summary>A frame helper completed a frame (or stopped reading): the frame clock stops.</summary>
    internal void OnFrameEnded()
    {
        _engine.AcceptedFrameLength = 0; // the next frame's header is unjudged again
        _engine.Meter.OnFrameEnded();
    }

    /// <summary>
    /// For an inline handler over pipes: a message completed (<paramref name="consumedAny"/>) restarts the frame clock,
    /// and <paramref name="unconsumed"/> bytes left over start it, as the frame helpers do for an incomplete frame.
    /// </summary>
    internal void OnInlineConsumed(bool consumedAny, long unconsumed) => _engine.Meter.OnMessageConsumed(consumedAny, unconsumed, _engine.Time);

    /// <summary>Set before <see cref="Start"/> by a server whose heartbeat calls <see cref="CheckTimeouts"/>: no timer of its own.</summary>
    internal bool WatchedByServer { get; set; }

    private void StartWatchdog()
    {
        TimeProvider time = _engine.Time;
        _engine.Meter.Start(time.GetTimestamp());
        ConnectionOptions o = Options;
        _watchdogArmed = true; // after the clocks start: a check before then would find the connection idle since time 0
        if (WatchedByServer)
        {
            return;
        }

        bool any = o.Heartbeat is not null || o.IdleTimeout != Timeout.InfiniteTimeSpan || o.FrameReadTimeout != Timeout.InfiniteTimeSpan
            || o.SendTimeout != Timeout.InfiniteTimeSpan || o.MinReceiveRate is not null || o.MinSendRate is not null;
        if (any)
        {
            _watchdog = time.CreateTimer(static state => ((Connection)state!).CheckTimeouts(), this, WatchdogPeriod, WatchdogPeriod);
        }
    }

    private void StopWatchdog() => _watchdog?.Dispose();

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
        ref TrafficMeter meter = ref _engine.Meter;
        TimeProvider time = _engine.Time;
        long now = time.GetTimestamp();
        long frameStart = meter.FrameStartedAt;
        long blockedSince = meter.SendBlockedSince;
        if (Overdue(frameStart, meter.FrameBytesMoved, o.FrameReadTimeout, o.MinReceiveRate, now)
            || Overdue(blockedSince, meter.SendBytesMoved, Timeout.InfiniteTimeSpan, o.MinSendRate, now)
            || Overdue(meter.SendPendingSince, 0, o.SendTimeout, null, now))
        {
            AbortCore(CloseReason.Timeout);
            return;
        }

        if (o.Heartbeat is { } heartbeat && blockedSince == 0
            && time.GetElapsedTime(meter.LastSend, now) >= heartbeat.Interval)
        {
            _ = SendHeartbeatAsync(heartbeat);
        }

        if (frameStart == 0 && blockedSince == 0 && o.IdleTimeout != Timeout.InfiniteTimeSpan
            && time.GetElapsedTime(meter.LastActivity, now) > o.IdleTimeout
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
            _engine.Meter.MarkSend(_engine.Time.GetTimestamp()); // one heartbeat per interval, even before it is sent
            if (_engine.TrySendHeartbeat(heartbeat.Payload))
            {
                return; // sent its own way (the inline engine: between handler calls, under its lock)
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

        TimeSpan elapsed = _engine.Time.GetElapsedTime(since, now);
        return (limit != Timeout.InfiniteTimeSpan && elapsed > limit) || rate?.IsViolatedBy(bytesMoved, elapsed) == true;
    }
}
