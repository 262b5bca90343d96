using System.Buffers;
using System.Net.Sockets;
using Synack.Connections;

namespace Synack.Transport.Epoll;

/// <summary>
/// Input: recv() until EAGAIN into the thread's read buffer (or the connection's unconsumed bytes, grown up to
/// <see cref="ConnectionOptions.MaxReadBufferSize"/>), handing each batch to the handler; the FIN; discarding after a
/// local close.
/// </summary>
internal sealed partial class InlineEngine
{
    /// <summary>Reads until EAGAIN (edges do not repeat), handing each batch to the handler. Under the lock.</summary>
    private void ServeInput()
    {
        if (_inlineServing)
        {
            return; // re-entered by a close verb the handler called: the outer call carries on
        }

        _inlineServing = true;
        try
        {
            ServeInputCore();
        }
        catch (ObjectDisposedException)
        {
            // Aborted meanwhile (the socket is closed): the abort completed everything.
        }
        finally
        {
            _inlineServing = false;
        }
    }

    private void ServeInputCore()
    {
        while (!_inlineInputEnded && !IsAborted)
        {
            if (_inlineDiscarding)
            {
                DropInput(); // the handler has ended (closed, failed, drained): drop the rest until the FIN
                return;
            }

            if (_queuedOutput is not null || IsInputPaused)
            {
                // Backpressure: the peer is not reading our replies, or the server's buffer budget paused this connection.
                // Leave its input in the kernel (TCP flow control slows it) and read on once the queued reply is sent or the
                // pause ends.
                _inlineReadDeferred = true;
                return;
            }

            // Fetched only on the way to the handler: a thread that merely discards (a drain, a timeout, another
            // connection's handler) must not touch, or make, this thread's buffers.
            InlineBuffers buffers = InlineBuffers.Current;
            byte[] buffer = buffers.Read;
            int offset = 0;
            if (_unconsumedLength > 0)
            {
                buffer = UnconsumedWithSpace();
                offset = _unconsumedLength;
            }

            int space = buffer.Length - offset;
            if (_inlineSocketClosed)
            {
                return; // aborted meanwhile: the abort completed everything
            }

            int received = Options.SocketCalls.Receive(_registration.Fd, buffer.AsSpan(offset), out SocketError error);
            if (error != SocketError.Success)
            {
                if (error != SocketError.WouldBlock)
                {
                    FailInline(new SocketException((int)error), "read");
                }

                return;
            }

            if (received == 0)
            {
                OnInputEnded(buffers.Output);
                return;
            }

            Meter.OnReceivedInline(received, _registration.Loop.Now(Time));
            Handle(buffer, offset + received, buffers.Output);

            // A read that did not fill the buffer emptied the socket, unless the peer's FIN or an error is pending (recv
            // reports those only when called again): wait for the next edge.
            if (received < space && !_registration.InputEnding)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Reads and drops input until EAGAIN or the peer's FIN, into a buffer on the stack: this runs on whatever thread
    /// closes the connection (a handler closing another connection, a drain, a timeout), whose own read buffer may be in
    /// use by the handler that called it, and should cost that thread nothing.
    /// </summary>
    private void DropInput()
    {
        Span<byte> scratch = stackalloc byte[4096];
        while (!_inlineInputEnded && !_inlineSocketClosed)
        {
            int received = Options.SocketCalls.Receive(_registration.Fd, scratch, out SocketError error);
            if (error != SocketError.Success)
            {
                if (error != SocketError.WouldBlock)
                {
                    FailInline(new SocketException((int)error), "read");
                }

                return;
            }

            if (received == 0)
            {
                OnInputEnded(output: null);
                return;
            }

            if (received < scratch.Length && !_registration.InputEnding)
            {
                return;
            }
        }
    }

    /// <summary>The peer's FIN (or a reset reported as end-of-stream): the handler hears of it, then input is done.</summary>
    private void OnInputEnded(InlineOutput? output)
    {
        if (WasResetNotFin())
        {
            FailInline(new SocketException((int)SocketError.ConnectionReset), "read");
            return;
        }

        OnRemoteFin();
        _inlineInputEnded = true;
        if (!_inlineDiscarding && output is not null)
        {
            if (!TryCallHandler(static (handler, e, o) => handler.OnEndOfStream(e.Connection, new ReadOnlySequence<byte>(e._unconsumed ?? [], 0, e._unconsumedLength), o), output))
            {
                InputFinished();
                return;
            }

            if (!IsAborted)
            {
                SendOutput(output);
                TrySendFin();
            }

            output.Reset();
            EndHandler();
        }

        InputFinished();
    }

    /// <summary>Keeps the bytes after <paramref name="consumed"/> for the next call, and runs the frame clock while any are kept.</summary>
    private void KeepUnconsumed(byte[] buffer, int consumed, int length)
    {
        int left = length - consumed;
        Meter.OnMessageConsumed(consumed > 0, left, Time);
        AccountInput(left);
        if (left == 0)
        {
            DropUnconsumed();
            return;
        }

        if (buffer == _unconsumed)
        {
            Buffer.BlockCopy(buffer, consumed, buffer, 0, left);
        }
        else
        {
            if (_unconsumed is null || _unconsumed.Length < left)
            {
                ReturnUnconsumed();
                _unconsumed = ArrayPool<byte>.Shared.Rent(Math.Max(left * 2, 4096));
            }

            Buffer.BlockCopy(buffer, consumed, _unconsumed, 0, left);
        }

        _unconsumedLength = left;
    }

    /// <summary>The unconsumed buffer with room to read into: grown (doubling) when full, up to MaxReadBufferSize.</summary>
    private byte[] UnconsumedWithSpace()
    {
        byte[] current = _unconsumed!;
        if (_unconsumedLength < current.Length)
        {
            return current;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Min(current.Length * 2, Options.MaxReadBufferSize));
        Buffer.BlockCopy(current, 0, larger, 0, _unconsumedLength);
        ArrayPool<byte>.Shared.Return(current);
        _unconsumed = larger;
        return larger;
    }

    private void DropUnconsumed()
    {
        _unconsumedLength = 0;
        AccountInput(0);
        if (!_inlineInHandler)
        {
            ReturnUnconsumed(); // (while the handler runs it may be reading that buffer: Handle drops it afterwards)
        }
    }

    private void ReturnUnconsumed()
    {
        if (_unconsumed is { } buffer)
        {
            _unconsumed = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
