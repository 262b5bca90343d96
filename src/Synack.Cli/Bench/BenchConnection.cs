using System.Buffers;
using System.Diagnostics;
using Synack.Cli.Bench.Protocols;
using Synack.Connections;
using Synack.Server;

namespace Synack.Cli.Bench;

/// <summary>
/// One bench connection, as an inline client handler (one recv, one call and one send per batch on its epoll loop
/// thread: refbench loadgen's loop). It keeps up to <c>pipeline</c> requests in flight and checks each reply with its
/// protocol's <see cref="IBenchConversation"/>.
/// </summary>
/// <remarks>
/// <para>Closed loop (default): each reply is answered with the next request in the same send; latency runs from the
/// request's send to its reply.</para>
/// <para>Open loop (<c>--rate</c>): request k is due at <see cref="BenchSchedule.Intended"/>; it goes out then, or as
/// soon as a slot frees if the server is behind. Latency runs from the <i>intended</i> time (coordinated omission
/// corrected, as wrk2 does), and the uncorrected figure (from the actual send) is recorded beside it.</para>
/// <para>With <c>--reconnect K</c> the connection closes after K replies; the generator opens the next one.</para>
/// Runs under its connection's lock, one thread at a time; counters read by other threads are volatile.
/// </remarks>
internal sealed class BenchConnection(int id, int pipeline, int? reconnectAfter, IBenchConversation conversation, BenchSchedule schedule, BenchRecorders recorders) : IInlineHandler
{
    private readonly long[] _sentAt = new long[pipeline];
    private readonly bool _openLoop = schedule.OpenLoop;
    private int _sendSlot;    // _sent % pipeline and _received % pipeline, kept as they advance (a division per use
    private int _receiveSlot; // otherwise: BenchClientBenchmarks, stop 21)
    private long _sent;
    private long _received;
    private long _measured;
    private volatile bool _done;
    private HdrHistogram.Recorder? _latency;     // the calling thread's recorders (a connection's loop thread on epoll),
    private HdrHistogram.Recorder? _uncorrected; // looked up once per thread instead of once per reply
    private LatencyRun _latencyRun;              // equal latencies of one batch, recorded at once
    private LatencyRun _uncorrectedRun;
    private int _recorderThread;

    /// <summary>When the connect was started (Stopwatch ticks), for the connect latency.</summary>
    public long ConnectStartedAt { get; init; } = Stopwatch.GetTimestamp();

    public int Id => id;

    /// <summary>Replies received so far, warm-up included (read by the progress line).</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Replies completed inside the measured window.</summary>
    public long Measured => Volatile.Read(ref _measured);

    /// <summary>Requests sent so far.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>True when this connection ended on purpose before the run did (--reconnect, or the server said it closes): the slot reconnects.</summary>
    public bool Reopen { get; private set; }

    /// <summary>True while every slot holds a request in flight: only a reply can send the next one.</summary>
    public bool Full => Volatile.Read(ref _sent) - Volatile.Read(ref _received) >= pipeline;

    /// <summary>True once this connection finished on purpose (sending stopped and every reply arrived, or K replies).</summary>
    public bool Done => _done;

    /// <summary>Why the run went wrong for this connection, if it did ("corrupt", "status", "protocol", "truncated").</summary>
    public string? Failure { get; private set; }

    /// <summary>Set when the generator is told about a failure as it happens (for the per-second error series).</summary>
    public Action<string>? OnFailure { get; init; }

    public void OnConnected(Connection connection, IBufferWriter<byte> output)
    {
        long now = Stopwatch.GetTimestamp();
        if (now >= schedule.MeasureStart && now < schedule.MeasureEnd)
        {
            recorders.Connects.Record(now - ConnectStartedAt);
            recorders.CountConnect();
        }

        SendDueOrFinish(connection, output, now); // connected after sending stopped (a late reconnect): finishes at once
    }

    /// <summary>
    /// Open loop, called by the pacer under the connection's lock: sends what is due now; once sending has stopped, a
    /// connection with every reply in finishes (no reply is left to finish it).
    /// </summary>
    public void Pace(Connection connection, IBufferWriter<byte> output)
    {
        SendDueOrFinish(connection, output, Stopwatch.GetTimestamp());
    }

    public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        long consumed = ReceiveReplies(connection, input, output);
        _latencyRun.Flush();
        _uncorrectedRun.Flush();
        return consumed;
    }

    private long ReceiveReplies(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        // One clock read per batch, not per reply: the replies of one recv() arrived together (and vDSO clock_gettime
        // was a measurable share of the client's per-message cost at -P 16).
        long now = Stopwatch.GetTimestamp();
        if (Environment.CurrentManagedThreadId != _recorderThread)
        {
            // Off epoll (an inline handler over pipes) calls may come on any thread: the cached recorders follow it.
            _recorderThread = Environment.CurrentManagedThreadId;
            _latency = _uncorrected = null;
        }

        var reader = new SequenceReader<byte>(input);
        while (!_done && _received < _sent)
        {
            switch (conversation.TryReadReply(ref reader, _received, out string? failure))
            {
                case OperationStatus.Done:
                    Completed(connection, now);
                    continue;
                case OperationStatus.NeedMoreData:
                    SendDueOrFinish(connection, output, now);
                    return reader.Consumed;
                default:
                    Fail(failure ?? "protocol");
                    connection.Abort();
                    return input.Length;
            }
        }

        if (!_done && reader.Remaining > 0)
        {
            Fail("unexpected"); // bytes after the last reply due: not an answer to any request sent
            connection.Abort();
            return input.Length;
        }

        SendDueOrFinish(connection, output, now);
        return reader.Consumed;
    }

    /// <summary>
    /// Fills the free slots (after a batch of replies: in one pass after all of them, not one per reply,
    /// BenchClientBenchmarks, stop 21); once sending has stopped and every reply is in, finishes.
    /// </summary>
    private void SendDueOrFinish(Connection connection, IBufferWriter<byte> output, long now)
    {
        if (_done)
        {
            return;
        }

        SendDue(output, now);
        if (now >= schedule.SendUntil && _received == _sent)
        {
            Finish(connection);
        }
    }

    public void OnEndOfStream(Connection connection, ReadOnlySequence<byte> unconsumed, IBufferWriter<byte> output)
    {
        if (!_done)
        {
            Fail("truncated"); // the server closed while replies were still due
        }
    }

    private void Fail(string kind)
    {
        if (Failure is null)
        {
            Failure = kind;
            OnFailure?.Invoke(kind);
        }
    }

    private void Completed(Connection connection, long now)
    {
        long seq = _received;
        long sentAt = _sentAt[_receiveSlot];
        _receiveSlot = _receiveSlot + 1 == pipeline ? 0 : _receiveSlot + 1;
        if (_openLoop)
        {
            // Open loop: a request belongs to the window it was scheduled in (wrk2 records every scheduled request), so a
            // reply that arrives after the window still counts for it, and a client that was descheduled for a moment
            // and caught up is not reported short (942 and 931 of 1000/s on a loaded CI machine, counted by arrival). A
            // server that cannot keep up still falls short: what was not sent by the end of sending is never sent.
            long intended = schedule.Intended(id, seq);
            if (intended >= schedule.MeasureStart && intended < schedule.MeasureEnd)
            {
                _latencyRun.Add(_latency ??= recorders.Latency.ForThisThread(), now - Math.Min(sentAt, intended));
                _uncorrectedRun.Add(_uncorrected ??= recorders.Uncorrected.ForThisThread(), now - sentAt);
                Volatile.Write(ref _measured, _measured + 1);
            }
        }
        else if (now >= schedule.MeasureStart && now < schedule.MeasureEnd)
        {
            _latencyRun.Add(_latency ??= recorders.Latency.ForThisThread(), now - sentAt);
            Volatile.Write(ref _measured, _measured + 1);
        }

        Volatile.Write(ref _received, seq + 1);
        if ((reconnectAfter is { } k && _received >= k) || conversation.ServerCloses)
        {
            Reopen = now < schedule.SendUntil; // the slot goes on with a new connection
            Finish(connection);
        }
    }

    private void Finish(Connection connection)
    {
        _done = true;
        _ = connection.CloseAsync(); // FIN after the last reply: the server's FIN ends the connection cleanly
    }

    /// <summary>Fills the free slots: closed loop at once, open loop with what is due by <paramref name="now"/>.</summary>
    private void SendDue(IBufferWriter<byte> output, long now)
    {
        while (!_done && _sent - _received < pipeline && now < schedule.SendUntil
            && (reconnectAfter is not { } k || _sent < k) && !conversation.ServerCloses
            && (!_openLoop || schedule.Intended(id, _sent) <= now))
        {
            _sentAt[_sendSlot] = now;
            _sendSlot = _sendSlot + 1 == pipeline ? 0 : _sendSlot + 1;
            conversation.WriteRequest(output, _sent);
            Volatile.Write(ref _sent, _sent + 1);
        }
    }
}
