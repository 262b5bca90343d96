using System.Buffers;
using BenchmarkDotNet.Attributes;
using Synack.Cli.Bench;
using Synack.Cli.Bench.Protocols;
using Synack.Cli.Common;

namespace Synack.Benchmarks;

/// <summary>
/// The bench client's own work per echo reply, with no sockets (issue 13: at (c) it spends 140–154 ns of user CPU per
/// message against loadgen's 39 ns, and the kernel's share is the same for both, stop 21). One operation hands one
/// connection a batch of <see cref="Pipeline"/> replies, as one recv() delivers them at -P 16. The connection verifies
/// every byte and records each latency, then writes the next requests. Results are per reply (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class BenchClientBenchmarks
{
    private BenchConnection _connection = null!;
    private BenchRecorders _recorders = null!;
    private ArrayBufferWriter<byte> _output = null!;
    private byte[] _replies = null!;

    /// <summary>Replies per batch (the scenario's -P).</summary>
    [Params(1, 16)]
    public int Pipeline { get; set; } = 16;

    [GlobalSetup]
    public void Setup()
    {
        var schedule = new BenchSchedule(connections: 1, rate: null);
        schedule.Begin(TimeSpan.Zero, TimeSpan.FromHours(1));
        _recorders = new BenchRecorders();
        _connection = new BenchConnection(0, Pipeline, reconnectAfter: null, new EchoProtocol(32, FramingMode.Raw).Start(0), schedule, _recorders);
        _output = new ArrayBufferWriter<byte>(64 * 1024);
        _connection.OnConnected(null!, _output); // the first Pipeline requests
        _replies = _output.WrittenSpan.ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _recorders.Dispose();

    /// <summary>Answers the batch in flight: the replies are the requests, echoed.</summary>
    [Benchmark(OperationsPerInvoke = 16)]
    public long RepliesOfOneRecv()
    {
        long consumed = 0;
        for (int i = 0; i < 16 / Pipeline; i++)
        {
            _output.ResetWrittenCount();
            consumed += _connection.OnReceived(null!, new ReadOnlySequence<byte>(_replies), _output);
            _output.WrittenSpan.CopyTo(_replies); // the next batch's replies
        }

        return consumed;
    }
}
