using System.Buffers;
using Synack.Connections;

namespace Synack.Server;

/// <summary>
/// Ready-made <see cref="IInlineHandler"/>s for the classic test services (RFC 862 echo, RFC 863 discard): the same
/// services as <see cref="ConnectionHandlers"/>, on the epoll transport's fast path.
/// </summary>
public static class InlineHandlers
{
    /// <summary>Echo (RFC 862): sends back every byte received, one send per batch read, until the peer's FIN.</summary>
    public static IInlineHandler Echo { get; } = new EchoHandler();

    /// <summary>Discard (RFC 863): reads and drops everything until the peer's FIN.</summary>
    public static IInlineHandler Discard { get; } = new DiscardHandler();

    private sealed class EchoHandler : IInlineHandler
    {
        public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output)
        {
            if (input.IsSingleSegment)
            {
                output.Write(input.FirstSpan);
            }
            else
            {
                foreach (ReadOnlyMemory<byte> segment in input)
                {
                    output.Write(segment.Span);
                }
            }

            return input.Length;
        }
    }

    private sealed class DiscardHandler : IInlineHandler
    {
        public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output) => input.Length;
    }
}
