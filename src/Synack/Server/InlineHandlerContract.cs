using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Synack.Connections;
using Synack.Errors;

namespace Synack.Server;

/// <summary>What a handler's exception means for its connection (see <see cref="InlineHandlerContract.Classify"/>).</summary>
internal enum HandlerFailure
{
    /// <summary>Bad input (<see cref="ErrorKind.ProtocolError"/>, <see cref="ErrorKind.LimitExceeded"/>): abort (RST) with that reason; what it wrote is dropped.</summary>
    BadInput,

    /// <summary>Another <see cref="SynackException"/>: what it wrote is sent, then the connection closes gracefully.</summary>
    Ended,

    /// <summary>Any other exception, a bug: the connection is aborted and the server reports it.</summary>
    Bug,
}

/// <summary>
/// The <see cref="IInlineHandler"/> contract, written once for the two places that run one: the inline epoll engine
/// (<see cref="Transport.Epoll.InlineEngine"/>) and the pipes adapter (<see cref="InlineHandlerAdapter"/>). How the
/// bytes get there differs (the loop thread's buffer, a pipe); the rules do not: a call may consume at most what it was
/// given; what it leaves unconsumed is offered again with more, capped by <see cref="ConnectionOptions.MaxReadBufferSize"/>;
/// and its exception is classified by <see cref="Classify"/>.
/// </summary>
internal static class InlineHandlerContract
{
    /// <summary>One <see cref="IInlineHandler.OnReceived"/> call with <paramref name="length"/> bytes; returns how many it consumed.</summary>
    /// <exception cref="InvalidOperationException">The handler claimed more than it was given (a bug).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Receive(IInlineHandler handler, Connection connection, ReadOnlySequence<byte> input, long length, IBufferWriter<byte> output)
    {
        long consumed = handler.OnReceived(connection, input, output);
        if ((ulong)consumed > (ulong)length)
        {
            ThrowOverConsumed(handler, consumed, length);
        }

        return consumed;
    }

    /// <summary>True when <paramref name="unconsumed"/> bytes left by the handler reach the cap: <see cref="OverCap"/> is then its error.</summary>
    public static bool IsOverCap(long unconsumed, ConnectionOptions options) => unconsumed >= options.MaxReadBufferSize;

    /// <summary>The error for a handler that left <paramref name="unconsumed"/> bytes, the cap (bad input: the connection is aborted).</summary>
    public static SynackException OverCap(long unconsumed, Connection connection) =>
        new(ErrorKind.LimitExceeded, "read", $"the handler left {unconsumed} byte(s) unconsumed, the MaxReadBufferSize limit",
            connection.LocalEndPoint, connection.RemoteEndPoint, SocketError.Success, null, connection.Metrics);

    /// <summary>What the handler's exception <paramref name="e"/> means; <paramref name="abortReason"/> is the close reason for <see cref="HandlerFailure.BadInput"/>.</summary>
    public static HandlerFailure Classify(Exception e, out CloseReason abortReason)
    {
        abortReason = e is SynackException { Kind: ErrorKind.ProtocolError } ? CloseReason.ProtocolError
            : e is SynackException { Kind: ErrorKind.LimitExceeded } ? CloseReason.LimitExceeded
            : CloseReason.LocalAbort;
        return e is not SynackException ? HandlerFailure.Bug
            : abortReason == CloseReason.LocalAbort ? HandlerFailure.Ended
            : HandlerFailure.BadInput;
    }

    /// <summary>
    /// <see cref="IInlineHandler.OnClosed"/> with the recorded close reason; returns its exception (a bug, for the caller to
    /// report) instead of throwing it: the connection is closed already, and the thread may be an epoll loop's.
    /// </summary>
    public static Exception? Closed(IInlineHandler handler, Connection connection)
    {
        try
        {
            handler.OnClosed(connection, connection.CloseReason);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOverConsumed(IInlineHandler handler, long consumed, long length) =>
        throw new InvalidOperationException($"{handler.GetType().Name}.OnReceived consumed {consumed} of the {length} byte(s) it was given");
}
