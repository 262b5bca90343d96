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
            ReadResult read = await input.ReadAsync(connection.StopRequested).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = read.Buffer;
            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                output.Write(segment.Span);
            }

            input.AdvanceTo(buffer.End);
            FlushResult flush = await output.FlushAsync().ConfigureAwait(false);
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
            ReadResult read = await input.ReadAsync(connection.StopRequested).ConfigureAwait(false);
            input.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted || read.IsCanceled)
            {
                return;
            }
        }
    };
}
