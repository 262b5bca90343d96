using System.Buffers;
using System.Net.Sockets;
using Synack.Connections;

namespace Synack.Transport.Epoll;

/// <summary>
/// Output: the handler's reply goes out with one send(); what the kernel does not take is queued (input is not read
/// meanwhile) and sent on the next output edge; the FIN after the queue drains.
/// </summary>
internal sealed partial class InlineEngine
{
    /// <summary>Sends the handler's reply at once; what the kernel does not take is queued and the socket watched for output.</summary>
    private void SendOutput(InlineOutput output)
    {
        if (output.IsEmpty)
        {
            return;
        }

        SendInline(output.Written);
        output.Reset();
    }

    /// <summary>
    /// Sends <paramref name="data"/> after anything queued (so replies and heartbeats never interleave: each is whole in
    /// the stream); dropped after CompleteOutput or an abort, when there is no stream left to carry it. Under the lock.
    /// </summary>
    private void SendInline(ReadOnlySpan<byte> data)
    {
        if (IsFinSent || IsAborted)
        {
            return;
        }

        if (_queuedOutput is null && !_inlineSocketClosed)
        {
            int sent = Options.SocketCalls.Send(_registration.Fd, data, out SocketError error);
            if (error == SocketError.Success)
            {
                Meter.OnSentInline(sent, _registration.Loop.Now(Time));
                data = data[sent..];
            }
            else if (error != SocketError.WouldBlock)
            {
                FailInline(new SocketException((int)error), "write");
                return;
            }
        }

        if (!data.IsEmpty)
        {
            Queue(data);
        }
    }

    /// <summary>
    /// An application heartbeat on the inline path (<see cref="ConnectionOptions.Heartbeat"/>): sent between handler
    /// calls, after any queued reply, unless the output is finishing. From the heartbeat timer's thread.
    /// </summary>
    public override bool TrySendHeartbeat(ReadOnlyMemory<byte> payload)
    {
        UnderGate(c =>
        {
            if (c._inlineStarted && !c._inlineFinPending && !c._inlineSocketClosed)
            {
                c.SendInline(payload.Span);
            }
        });
        return true;
    }

    private void Queue(ReadOnlySpan<byte> data)
    {
        if (_queuedOutput is null)
        {
            _queuedOutput = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 4096));
            _queuedStart = _queuedEnd = 0;
        }
        else if (_queuedOutput.Length - _queuedEnd < data.Length)
        {
            int pending = _queuedEnd - _queuedStart;
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(pending + data.Length, _queuedOutput.Length));
            Buffer.BlockCopy(_queuedOutput, _queuedStart, larger, 0, pending);
            ArrayPool<byte>.Shared.Return(_queuedOutput);
            _queuedOutput = larger;
            _queuedStart = 0;
            _queuedEnd = pending;
        }

        data.CopyTo(_queuedOutput.AsSpan(_queuedEnd));
        _queuedEnd += data.Length;
        AccountOutput(_queuedEnd - _queuedStart);
        OnSendBlocked();
        _registration.WatchOutput(true); // EPOLL_CTL_MOD re-checks readiness: space freed since the short send is not missed
    }

    /// <summary>Sends queued output; true once all of it is sent. Under the lock.</summary>
    private bool SendQueued()
    {
        try
        {
            while (_queuedOutput is not null && !_inlineSocketClosed)
            {
                int sent = Options.SocketCalls.Send(_registration.Fd, _queuedOutput.AsSpan(_queuedStart, _queuedEnd - _queuedStart), out SocketError error);
                if (error != SocketError.Success)
                {
                    if (error != SocketError.WouldBlock)
                    {
                        FailInline(new SocketException((int)error), "write");
                        return false;
                    }

                    _registration.AwaitWritable();
                    return false;
                }

                Meter.OnSentInline(sent, _registration.Loop.Now(Time));
                _queuedStart += sent;
                if (_queuedStart == _queuedEnd)
                {
                    DropQueuedOutput();
                    _registration.WatchOutput(false);
                    Meter.OnSendIdle();
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return false; // aborted meanwhile
        }

        return _queuedOutput is null;
    }

    private void DropQueuedOutput()
    {
        if (_queuedOutput is { } buffer)
        {
            _queuedOutput = null;
            AccountOutput(0);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends FIN once asked to (<see cref="Connection.CompleteOutput"/>), nothing is queued and no handler call is writing.</summary>
    private void TrySendFin()
    {
        if (!_inlineFinPending || _queuedOutput is not null || _inlineInHandler || IsFinSent)
        {
            return;
        }

        ShutdownOutput();
        OutputFinished();
    }
}
