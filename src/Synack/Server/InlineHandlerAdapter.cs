using System.Buffers;
using System.IO.Pipelines;
using Synack.Connections;
using Synack.Errors;

namespace Synack.Server;

/// <summary>
/// Runs an <see cref="IInlineHandler"/> over a connection's pipes, where the epoll fast path does not apply (the sockets
/// transport, TLS, PROXY), with the same contract: unconsumed input is offered again with more, capped by
/// <see cref="ConnectionOptions.MaxReadBufferSize"/> and timed as an incomplete frame; one flush per batch; a drain
/// ends the handler at a message boundary. The rules themselves are <see cref="InlineHandlerContract"/>'s, shared with
/// the inline epoll engine.
/// </summary>
internal static class InlineHandlerAdapter
{
    /// <summary>
    /// The handler over the pipes; <paramref name="reportFault"/> hears of a bug in <see cref="IInlineHandler.OnClosed"/>
    /// (a server's <see cref="SynackServer.HandlerFaulted"/>; a client passes none).
    /// </summary>
    public static ConnectionHandler OverPipes(IInlineHandler handler, Action<Connection, Exception>? reportFault = null) =>
        connection => RunAsync(connection, handler, reportFault);

    private static async Task RunAsync(Connection connection, IInlineHandler handler, Action<Connection, Exception>? reportFault)
    {
        PipeReader input = connection.Input;
        PipeWriter output = connection.Output;
        long unconsumed = 0;

        // OnClosed once the connection is closed, whatever closed it. Not from this method's finally: the caller (the
        // server, or ClientInlineHandling) closes after it returns, and only then is the close reason final (ServerDrain).
        _ = connection.Closed.ContinueWith(static (_, state) =>
            {
                var (handler, connection, reportFault) = ((IInlineHandler, Connection, Action<Connection, Exception>?))state!;
                if (InlineHandlerContract.Closed(handler, connection) is { } fault)
                {
                    reportFault?.Invoke(connection, fault);
                }
            }, (handler, connection, reportFault), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        await connection.SendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            handler.OnConnected(connection, output);
            if ((await output.FlushAsync().ConfigureAwait(false)).IsCompleted)
            {
                return;
            }
        }
        finally
        {
            connection.SendLock.Release();
        }

        while (true)
        {
            // At a message boundary: marked idle, so a draining server wakes the read (IsCanceled) and the handler ends.
            if (unconsumed == 0 && !connection.TryEnterIdle())
            {
                return;
            }

            ReadResult read = await input.ReadAsync().ConfigureAwait(false);
            connection.SetIdle(false);
            if (read.IsCanceled)
            {
                return;
            }

            ReadOnlySequence<byte> buffer = read.Buffer;
            FlushResult flush;

            // Under the send lock, as every send is: a CompleteOutput or CloseAsync the handler calls waits for it, so the
            // reply it has just written is flushed before the FIN.
            await connection.SendLock.WaitAsync().ConfigureAwait(false);
            try
            {
                // Output completed by an earlier call (CompleteOutput): later writes are dropped, as on the epoll path.
                bool outputClosed = connection.IsOutputCompleted;
                long consumed = Handle(connection, handler, read, unconsumed, outputClosed ? new ArrayBufferWriter<byte>() : output);
                unconsumed = buffer.Length - consumed;
                input.AdvanceTo(buffer.GetPosition(consumed), buffer.End);
                connection.OnInlineConsumed(consumed > 0, unconsumed);
                flush = outputClosed ? default : await output.FlushAsync().ConfigureAwait(false);
            }
            catch (SynackException e)
            {
                // Bad input aborts, as the frame helpers do; otherwise what the handler wrote before it goes out.
                input.AdvanceTo(buffer.End);
                if (InlineHandlerContract.Classify(e, out CloseReason abortReason) == HandlerFailure.BadInput)
                {
                    connection.AbortCore(abortReason);
                }
                else if (!connection.IsOutputCompleted)
                {
                    await output.FlushAsync().ConfigureAwait(false);
                }

                throw;
            }
            finally
            {
                connection.SendLock.Release();
            }

            if (read.IsCompleted || flush.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>One handler call (and, at the end of input, OnEndOfStream); returns the bytes consumed.</summary>
    private static long Handle(Connection connection, IInlineHandler handler, ReadResult read, long unconsumedBefore, IBufferWriter<byte> output)
    {
        ReadOnlySequence<byte> buffer = read.Buffer;
        long consumed = 0;
        if (buffer.Length > unconsumedBefore)
        {
            consumed = InlineHandlerContract.Receive(handler, connection, buffer, buffer.Length, output);
        }

        if (read.IsCompleted)
        {
            handler.OnEndOfStream(connection, buffer.Slice(consumed), output);
            return buffer.Length;
        }

        if (InlineHandlerContract.IsOverCap(buffer.Length - consumed, connection.Options))
        {
            throw InlineHandlerContract.OverCap(buffer.Length - consumed, connection);
        }

        return consumed;
    }
}
