using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Synack.Errors;

namespace Synack.Framing;

/// <summary>
/// One whole send: under the host's send lock, write (a buffer, an encoded frame), then flush, so that concurrent sends
/// never interleave. Shared by <see cref="Connections.Connection.SendAsync"/> and <see cref="FrameWriter{T}"/>.
/// </summary>
internal static class LockedSend
{
    /// <exception cref="SynackException">The connection was reset or closed for sending.</exception>
    public static async ValueTask WriteAsync<TState>(IFrameHost host, Action<IBufferWriter<byte>, TState> write, TState state, CancellationToken cancellationToken)
    {
        SemaphoreSlim sendLock = host.SendLock;
        await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            PipeWriter output = host.OpenOutput();
            write(output, state);
            FlushResult result = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCompleted || result.IsCanceled)
            {
                throw host.SendRefused();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or (IOException and not SynackException))
        {
            throw host.Classify(e);
        }
        finally
        {
            sendLock.Release();
        }
    }
}
