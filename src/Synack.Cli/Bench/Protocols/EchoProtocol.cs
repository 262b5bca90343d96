using System.Buffers;
using Synack.Cli.Common;

namespace Synack.Cli.Bench.Protocols;

/// <summary>
/// Echo (RFC 862) with the chosen framing: every reply must equal its request byte for byte (see
/// <see cref="MessagePattern"/>), so corruption, reordering, duplication and cross-talk are all caught.
/// </summary>
internal sealed class EchoProtocol(int size, FramingMode framing) : IBenchProtocol
{
    public string Name => "echo";

    public IBenchConversation Start(int connection) => new Conversation(new MessagePattern(connection, size, framing));

    private sealed class Conversation(MessagePattern pattern) : IBenchConversation
    {
        private readonly byte[] _expected = new byte[pattern.WireSize];

        public void WriteRequest(IBufferWriter<byte> output, long seq) => pattern.Write(output, seq);

        public OperationStatus TryReadReply(ref SequenceReader<byte> input, long seq, out string? failure)
        {
            failure = null;
            if (input.Remaining < _expected.Length)
            {
                return OperationStatus.NeedMoreData;
            }

            if (!pattern.TryMatch(ref input, seq, _expected))
            {
                failure = "corrupt";
                return OperationStatus.InvalidData;
            }

            return OperationStatus.Done;
        }
    }
}
