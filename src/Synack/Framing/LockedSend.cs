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
        ValueTask<PipeWriter> opening = OpenAsync(host, cancellationToken);
        return opening.IsCompletedSuccessfully
            ? WriteThenFlush(host, opening.Result, write, state, cancellationToken)
            : WriteSlowAsync(host, opening, write, state, cancellationToken);
    }

    /// <summary>Takes the send lock and opens the output: for one write (<see cref="WriteAsync"/>) or several (<see cref="FrameWriter{T}.BeginBatchAsync"/>).</summary>
    /// <exception cref="SynackException">The connection is closed for sending (the lock is not held then).</exception>
    public static ValueTask<PipeWriter> OpenAsync(IFrameHost host, CancellationToken cancellationToken)
    {
        SendGate sendLock = host.SendLock;
        if (cancellationToken.IsCancellationRequested || !sendLock.TryEnter())
        {
            return OpenSlowAsync(host, cancellationToken);
        }

        try
        {
            return new ValueTask<PipeWriter>(host.OpenOutput());
        }
        catch (Exception e)
        {
            sendLock.Release();
            return ValueTask.FromException<PipeWriter>(e);
        }
    }

    /// <summary>Flushes what was written under the send lock as one unit, then releases the lock.</summary>
    /// <exception cref="SynackException">The connection was reset or closed for sending.</exception>
    public static ValueTask FlushAndReleaseAsync(IFrameHost host, PipeWriter output, CancellationToken cancellationToken = default)
    {
        SendGate sendLock = host.SendLock;
        bool held = true;
        try
        {
            ValueTask<FlushResult> flush = output.FlushAsync(cancellationToken);
            if (!flush.IsCompleted)
            {
                held = false; // FinishAsync releases it
                return FinishAsync(host, sendLock, flush);
            }

            FlushResult result = flush.Result;
            return result.IsCompleted || result.IsCanceled ? ValueTask.FromException(host.SendRefused()) : default;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(Classified(host, e));
        }
        finally
        {
            if (held)
            {
                sendLock.Release();
            }
        }
    }

    /// <summary>A socket-level failure as the connection's error; anything else (a closed connection's own error, a codec's) as it is.</summary>
    private static Exception Classified(IFrameHost host, Exception e) => IsSocketLevel(e) ? host.Classify(e) : e;

    private static bool IsSocketLevel(Exception e) => e is SocketException or ObjectDisposedException or (IOException and not SynackException);

    private static async ValueTask<PipeWriter> OpenSlowAsync(IFrameHost host, CancellationToken cancellationToken)
    {
        SendGate sendLock = host.SendLock;
        await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return host.OpenOutput();
        }
        catch
        {
            sendLock.Release();
            throw;
        }
    }

    /// <summary>Under the send lock, taken: writes, then flushes and releases (the lock is released on any failure).</summary>
    private static ValueTask WriteThenFlush<TState>(IFrameHost host, PipeWriter output, Action<IBufferWriter<byte>, TState> write, TState state, CancellationToken cancellationToken)
    {
        try
        {
            write(output, state);
        }
        catch (Exception e)
        {
            host.SendLock.Release();
            return ValueTask.FromException(Classified(host, e));
        }

        return FlushAndReleaseAsync(host, output, cancellationToken);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask WriteSlowAsync<TState>(IFrameHost host, ValueTask<PipeWriter> opening, Action<IBufferWriter<byte>, TState> write, TState state, CancellationToken cancellationToken)
    {
        PipeWriter output = await opening.ConfigureAwait(false);
        await WriteThenFlush(host, output, write, state, cancellationToken).ConfigureAwait(false);
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
        catch (Exception e) when (IsSocketLevel(e))
        {
            throw host.Classify(e);
        }
        finally
        {
            sendLock.Release();
        }
    }
}
