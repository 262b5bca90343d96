using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Synack.Errors;
using Synack.Transport;

namespace Synack.Framing;

/// <summary>
/// One whole send: under the host's send lock, write (a buffer, an encoded frame), then flush, so that concurrent sends
/// never interleave. Shared by <see cref="Connections.Connection.SendAsync"/> and <see cref="FrameWriter{T}"/>.
/// </summary>
/// <remarks>
/// A send that finds the lock free and whose flush completes at once (the common case: the kernel took the bytes, or
/// the direct engine deferred them to the end of the loop's dispatch) runs with no async state machine: one atomic add
/// to take the lock, one to release it. Failures still come back in the returned task, never thrown synchronously.
/// </remarks>
internal static class LockedSend
{
    /// <exception cref="SynackException">The connection was reset or closed for sending.</exception>
    public static ValueTask WriteAsync<TState>(IFrameHost host, Action<IBufferWriter<byte>, TState> write, TState state, CancellationToken cancellationToken)
    {
        SendGate sendLock = host.SendLock;
        if (cancellationToken.IsCancellationRequested || !sendLock.TryEnter())
        {
            return WriteSlowAsync(host, write, state, cancellationToken);
        }

        bool held = true;
        try
        {
            PipeWriter output = host.OpenOutput();
            write(output, state);
            ValueTask<FlushResult> flush = output.FlushAsync(cancellationToken);
            if (!flush.IsCompleted)
            {
                held = false; // FinishAsync releases it
                return FinishAsync(host, sendLock, flush);
            }

            FlushResult result = flush.Result;
            return result.IsCompleted || result.IsCanceled ? ValueTask.FromException(host.SendRefused()) : default;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or (IOException and not SynackException))
        {
            return ValueTask.FromException(host.Classify(e));
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
        finally
        {
            if (held)
            {
                sendLock.Release();
            }
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask WriteSlowAsync<TState>(IFrameHost host, Action<IBufferWriter<byte>, TState> write, TState state, CancellationToken cancellationToken)
    {
        SendGate sendLock = host.SendLock;
        await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        ValueTask<FlushResult> flush;
        try
        {
            PipeWriter output = host.OpenOutput();
            write(output, state);
            flush = output.FlushAsync(cancellationToken);
        }
        catch (Exception e)
        {
            sendLock.Release();
            if (e is SocketException or ObjectDisposedException or (IOException and not SynackException))
            {
                throw host.Classify(e);
            }

            throw;
        }

        await FinishAsync(host, sendLock, flush).ConfigureAwait(false);
    }

    /// <summary>Awaits the flush (under the send lock), then releases the lock; a refused or failed flush is the connection's error.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask FinishAsync(IFrameHost host, SendGate sendLock, ValueTask<FlushResult> flush)
    {
        try
        {
            FlushResult result = await flush.ConfigureAwait(false);
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
