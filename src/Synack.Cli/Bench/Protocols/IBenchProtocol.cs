using System.Buffers;

namespace Synack.Cli.Bench.Protocols;

/// <summary>
/// What a bench connection says and how it checks the answer: one small class per protocol, registered by name in
/// <see cref="BenchProtocols"/> (as the proxy's faults are). A protocol makes one <see cref="IBenchConversation"/> per
/// connection.
/// </summary>
internal interface IBenchProtocol
{
    /// <summary>The name <c>--protocol</c> takes.</summary>
    string Name { get; }

    /// <summary>The conversation of connection <paramref name="connection"/> (its number, 0-based).</summary>
    IBenchConversation Start(int connection);
}

/// <summary>One connection's requests and the checks of their replies. Called on one thread at a time.</summary>
internal interface IBenchConversation
{
    /// <summary>Appends request <paramref name="seq"/> to <paramref name="output"/>.</summary>
    void WriteRequest(IBufferWriter<byte> output, long seq);

    /// <summary>
    /// Reads the reply to request <paramref name="seq"/>: <see cref="OperationStatus.Done"/> with the reader past it,
    /// <see cref="OperationStatus.NeedMoreData"/> with the reader where it was, or <see cref="OperationStatus.InvalidData"/>
    /// with <paramref name="failure"/> naming what was wrong ("corrupt", "status", "protocol").
    /// </summary>
    OperationStatus TryReadReply(ref SequenceReader<byte> input, long seq, out string? failure);

    /// <summary>
    /// True once a reply said the server closes the connection after it (HTTP's <c>Connection: close</c>, as nginx sends
    /// after <c>keepalive_requests</c>): the connection finishes there and the generator opens a new one, as wrk does.
    /// </summary>
    bool ServerCloses => false;
}
