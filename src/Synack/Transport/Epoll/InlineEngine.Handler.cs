using System.Buffers;
using System.Net.Sockets;
using Synack.Connections;
using Synack.Errors;
using Synack.Server;

namespace Synack.Transport.Epoll;

/// <summary>
/// The inline-handler contract on the loop thread (see <see cref="IInlineHandler"/>): OnConnected, one OnReceived per
/// batch with what the previous calls left, OnEndOfStream at the FIN, and what a handler's exception means.
/// </summary>
internal sealed partial class InlineEngine
{
    /// <summary>
    /// <see cref="IInlineHandler.OnConnected"/>, under the lock: its output is sent at once. A thread that is in another
    /// connection's handler (holding its lock) may be using its own buffers, so it writes into a fresh one.
    /// </summary>
    private void Connected()
    {
        if (_inlineSocketClosed)
        {
            return; // aborted before it started (its Start was queued): no OnConnected, so no OnClosed either
        }

        InlineOutput output = OutputForThisThread();
        _inlineOnClosedDue = true;
        if (TryCallHandler(static (handler, e, o) => handler.OnConnected(e.Connection, o), output))
        {
            SendOutput(output);
            TrySendFin();
        }
    }

    /// <summary>
    /// <see cref="IInlineHandler.OnClosed"/>, once the socket is released: by then input and output are finished, so no
    /// other handler call can come. Its exception is a bug, reported by the owner (a server's HandlerFaulted).
    /// </summary>
    private void NotifyClosed()
    {
        if (InlineHandlerContract.Closed(_handler, Connection) is { } fault)
        {
            Connection.Owner?.OnClosedHookFaulted(Connection, fault);
        }
    }

    /// <summary>
    /// The output buffer for a write under this connection's lock: the thread's own, unless this thread is also inside
    /// another connection's handler (it holds that lock too), which may be using it.
    /// </summary>
    private static InlineOutput OutputForThisThread() => t_locksHeld > 1 ? new InlineOutput() : InlineBuffers.Current.Output;

    /// <summary>
    /// Calls the handler outside the per-message path (<see cref="IInlineHandler.OnConnected"/>,
    /// <see cref="IInlineHandler.OnEndOfStream"/>); false if it threw, which <see cref="HandlerFailed"/> has then handled.
    /// </summary>
    private bool TryCallHandler(Action<IInlineHandler, InlineEngine, InlineOutput> call, InlineOutput output)
    {
        _inlineInHandler = true;
        try
        {
            call(_handler, this, output);
            return true;
        }
        catch (Exception e)
        {
            _inlineInHandler = false;
            HandlerFailed(e, output);
            return false;
        }
        finally
        {
            _inlineInHandler = false;
        }
    }

    /// <summary>Calls the handler with <paramref name="length"/> bytes of <paramref name="buffer"/>, keeps what it left, sends its reply.</summary>
    private void Handle(byte[] buffer, int length, InlineOutput output)
    {
        long consumed;
        bool outputClosed = _inlineFinPending; // CompleteOutput was called by an earlier call: this one's writes are dropped
        _inlineInHandler = true;
        try
        {
            consumed = InlineHandlerContract.Receive(_handler, Connection, new ReadOnlySequence<byte>(buffer, 0, length), length, output);
        }
        catch (Exception e)
        {
            _inlineInHandler = false;
            HandlerFailed(e, output);
            return;
        }
        finally
        {
            _inlineInHandler = false;
        }

        if (IsAborted || outputClosed)
        {
            output.Reset(); // the handler aborted, or the output was completed before this call: nothing more goes out
        }

        if (IsAborted)
        {
            DropUnconsumed();
            return;
        }

        if (_inlineDiscarding)
        {
            DropUnconsumed(); // the handler closed the connection: what it left is dropped, its reply still goes out
        }
        else
        {
            KeepUnconsumed(buffer, (int)consumed, length);
            if (InlineHandlerContract.IsOverCap(_unconsumedLength, Options))
            {
                HandlerFailed(InlineHandlerContract.OverCap(_unconsumedLength, Connection), output);
                return;
            }
        }

        SendOutput(output);
        TrySendFin();
        if (_unconsumedLength == 0 && _stopRequested)
        {
            EndHandler(); // the server drains: this connection is at a message boundary
        }
    }

    /// <summary>
    /// A handler threw: bad input (<see cref="ErrorKind.ProtocolError"/>, <see cref="ErrorKind.LimitExceeded"/>) aborts at
    /// once, as the frame helpers do (what it wrote is dropped: the RST would discard it anyway); another
    /// <see cref="SynackException"/> sends what was written and ends the handler (the server closes gracefully); anything
    /// else is a bug: the connection is aborted and the server reports it. The classification is <see cref="InlineHandlerContract.Classify"/>, shared with the pipes adapter.
    /// </summary>
    private void HandlerFailed(Exception e, InlineOutput output)
    {
        (e as SynackException)?.CountFor(Host.Metrics); // a codec's error the handler let through: this connection's
        switch (InlineHandlerContract.Classify(e, out CloseReason abortReason))
        {
            case HandlerFailure.BadInput:
                Abort(abortReason);
                break;
            case HandlerFailure.Ended:
                if (!IsAborted)
                {
                    SendOutput(output);
                }

                break;
            default:
                output.Reset();
                EndHandler(e);
                Abort(CloseReason.LocalAbort);
                return;
        }

        output.Reset();
        EndHandler();
    }

    /// <summary>The socket failed (reset, broken pipe): the connection is dead both ways; the close reason says why.</summary>
    private void FailInline(SocketException e, string operation)
    {
        _ = Classify(e, operation);
        EndHandler();
        DropQueuedOutput();
        OutputFinished();
        InputFinished(); // both finished: the socket is released
    }

    /// <summary>The handler will not be called again: later input is discarded; the server closes the connection.</summary>
    private void EndHandler(Exception? fault = null)
    {
        _inlineDiscarding = true;
        DropUnconsumed();
        if (_inlineStarted && !_inlineHandlerEnded)
        {
            _inlineHandlerEnded = true;
            Host.OnHandlerDone(fault);
        }
    }
}
