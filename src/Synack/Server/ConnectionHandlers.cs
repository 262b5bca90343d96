using System.Buffers;
using System.IO.Pipelines;
using Synack.Connections;

namespace Synack.Server;

/// <summary>Ready-made handlers for the classic test services (RFC 862 echo, RFC 863 discard).</summary>
public static class ConnectionHandlers
{
    /// <summary>
    /// Echo (RFC 862): sends back every byte received, flushing once per batch of input, until the peer's FIN; then returns
    /// (the server closes gracefully). Stops early, at a read boundary, when the server drains.
    /// </summary>
    public static ConnectionHandler Echo { get; } = async connection =>
    {
        PipeReader input = connection.Input;
        PipeWriter output = connection.Output;
        while (true)
        {
            // Between messages: marked idle, so a draining server wakes the read with CancelPendingRead (IsCanceled)
            // instead of a cancellation registration per read.
            if (!connection.TryEnterIdle())
            {
                return;
            }

            ReadResult read = await input.ReadAsync().ConfigureAwait(false);
            connection.SetIdle(false); // (if the read throws, the connection is dead and the flag no longer matters)

            ReadOnlySequence<byte> buffer = read.Buffer;
            FlushResult flush;
            if (buffer.IsSingleSegment)
            {
                // WriteAsync, not Write + FlushAsync: the epoll engine sends a large write from the input's own memory, as
                // C's echo sends from its receive buffer (the copy was 10 % of the async echo's samples at (d)). A pipe
                // copies as before. The input is advanced after the flush: a stream's writer may hold the memory till then.
                flush = await output.WriteAsync(buffer.First).ConfigureAwait(false);
                input.AdvanceTo(buffer.End);
            }
            else
            {
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    output.Write(segment.Span);
                }

                input.AdvanceTo(buffer.End);
                flush = await output.FlushAsync().ConfigureAwait(false);
            }
            if (read.IsCompleted || read.IsCanceled || flush.IsCompleted)
            {
                return;
            }
        }
    };

    /// <summary>Discard (RFC 863): reads and drops everything until the peer's FIN.</summary>
    public static ConnectionHandler Discard { get; } = async connection =>
    {
        PipeReader input = connection.Input;
        while (true)
        {
            if (!connection.TryEnterIdle())
            {
                return;
            }

            ReadResult read = await input.ReadAsync().ConfigureAwait(false);
            connection.SetIdle(false); // (if the read throws, the connection is dead and the flag no longer matters)

            input.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted || read.IsCanceled)
            {
                return;
            }
        }
    };
}
