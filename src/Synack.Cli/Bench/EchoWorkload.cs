using System.Buffers;
using System.Diagnostics;
using Synack.Connections;
using Synack.Server;

namespace Synack.Cli.Bench;

/// <summary>
/// One bench connection, as an inline client handler: it writes <c>pipeline</c> messages when connected, checks every
/// echoed byte as it arrives (no reassembly: the reply is compared piece by piece with the message it must equal), and
/// answers each complete echo with the next message in the same send, so a batch of echoes costs one recv and one send
/// (refbench loadgen's loop). Latency is the time from a message's send to its complete echo.
/// </summary>
/// <remarks>Runs on one epoll loop thread at a time; the counters it publishes are written by that thread only.</remarks>
internal sealed class EchoWorkload(int id, int pipeline, MessagePattern pattern, BenchSchedule schedule, LatencyRecorder latency) : IInlineHandler
{
    private readonly long[] _sentAt = new long[pipeline];
    private readonly byte[] _expected = new byte[pattern.WireSize];
    private long _sent;
    private long _received;
    private int _offset; // bytes of the current echo checked so far
    private long _measured;
    private volatile bool _done;

    /// <summary>Which connection this is (its pattern's seed).</summary>
    public int Id => id;

    /// <summary>Echoes received so far, warm-up included (read by the progress line).</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Echoes completed inside the measured window.</summary>
    public long Measured => Volatile.Read(ref _measured);

    /// <summary>True once every message sent was echoed and sending has stopped: the connection closed on purpose.</summary>
    public bool Done => _done;

    /// <summary>Why the run went wrong for this connection, if it did ("corrupt", "truncated").</summary>
    public string? Failure { get; private set; }

    public void OnConnected(Connection connection, IBufferWriter<byte> output)
    {
        for (int i = 0; i < pipeline; i++)
        {
            Send(output, Stopwatch.GetTimestamp());
        }
    }

    public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        foreach (ReadOnlyMemory<byte> segment in input)
        {
            ReadOnlySpan<byte> span = segment.Span;
            while (!span.IsEmpty && !_done)
            {
                if (_offset == 0)
                {
                    pattern.Fill(_expected, _received);
                }

                int take = Math.Min(span.Length, _expected.Length - _offset);
                if (!span[..take].SequenceEqual(_expected.AsSpan(_offset, take)))
                {
                    Failure = "corrupt";
                    connection.Abort();
                    return input.Length;
                }

                _offset += take;
                span = span[take..];
                if (_offset == _expected.Length)
                {
                    _offset = 0;
                    Completed(connection, output);
                }
            }
        }

        return input.Length;
    }

    public void OnEndOfStream(Connection connection, ReadOnlySequence<byte> unconsumed, IBufferWriter<byte> output)
    {
        if (!_done)
        {
            Failure ??= "truncated"; // the server closed while echoes were still due
        }
    }

    private void Completed(Connection connection, IBufferWriter<byte> output)
    {
        long now = Stopwatch.GetTimestamp();
        if (now >= schedule.MeasureStart && now < schedule.MeasureEnd)
        {
            latency.Record(now - _sentAt[_received % pipeline]);
            Volatile.Write(ref _measured, _measured + 1);
        }

        Volatile.Write(ref _received, _received + 1);
        if (now < schedule.SendUntil)
        {
            Send(output, now);
        }
        else if (_received == _sent)
        {
            _done = true;
            _ = connection.CloseAsync(); // FIN after the last echo: the server's FIN ends the connection cleanly
        }
    }

    private void Send(IBufferWriter<byte> output, long now)
    {
        _sentAt[_sent % pipeline] = now;
        pattern.Write(output, _sent);
        _sent++;
    }
}
