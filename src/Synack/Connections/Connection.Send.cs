using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Synack.Errors;
using Synack.Framing;
using Synack.Transport;

namespace Synack.Connections;

public sealed partial class Connection
{
    private readonly SemaphoreSlim? _sendLock; // with the pipes only: inline handlers send from the loop thread

    /// <summary>Serializes whole sends (and output completion); an inline handler over pipes holds it while it writes and flushes.</summary>
    internal SemaphoreSlim SendLock => _sendLock ?? throw InlineOnly("The send lock");
    private int _finSent;
    private ISender _sender = null!; // set in Start: the runtime's socket engine, or the epoll transport's

    /// <summary>
    /// Sends all of <paramref name="data"/> (never short), waiting while the pending-send cap is reached. Safe to call
    /// from several tasks at once: each call's bytes go out contiguously.
    /// </summary>
    /// <exception cref="SynackException">The connection was reset (<see cref="ErrorKind.Reset"/>,
    /// <see cref="ErrorKind.BrokenPipe"/>) or closed by this side (<see cref="ErrorKind.Closed"/>).</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        WriteLockedAsync(static (output, state) => output.Write(state.Span), data, cancellationToken);

    /// <summary>Encodes one frame and sends it as a unit; used by <see cref="FrameWriter{T}"/>.</summary>
    internal ValueTask SendFrameAsync<T>(IFrameEncoder<T> encoder, T frame, CancellationToken cancellationToken) =>
        WriteLockedAsync(static (output, state) =>
        {
            state.encoder.Encode(state.frame, output);
            Interlocked.Increment(ref state.connection._framesSent);
        }, (encoder, frame, connection: this), cancellationToken);

    private async ValueTask WriteLockedAsync<TState>(Action<IBufferWriter<byte>, TState> write, TState state, CancellationToken cancellationToken)
    {
        if (_sendLock is null)
        {
            throw InlineOnly("Sending with SendAsync or a FrameWriter");
        }

        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (CloseReason is not CloseReason.None and not CloseReason.RemoteFin || Volatile.Read(ref _outputCompleted) != 0)
            {
                throw WriteAfterCloseError();
            }

            PipeWriter output = _output!.Writer;
            write(output, state);
            FlushResult result = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCompleted || result.IsCanceled)
            {
                throw WriteAfterCloseError();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or (IOException and not SynackException))
        {
            throw ClassifyPumpError(e, "write");
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private SynackException WriteAfterCloseError() => CloseReason == CloseReason.RemoteReset
        ? new SynackException(ErrorKind.Reset, "write", "connection reset by peer", LocalEndPoint, RemoteEndPoint, SocketError.ConnectionReset)
        : new SynackException(ErrorKind.Closed, "write", $"connection is closed for sending ({CloseReason})", LocalEndPoint, RemoteEndPoint);

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> data)
    {
        if (_tls is not null)
        {
            OnSendBlocked(); // SslStream gives no "would block": count the write as blocked until it returns
            await _tls.WriteAsync(data).ConfigureAwait(false);
            OnSent(data.Length);
            return;
        }

        while (!data.IsEmpty)
        {
            ValueTask<int> sending = _sender.SendAsync(_socket, data);
            if (!sending.IsCompleted)
            {
                OnSendBlocked();
            }

            int sent = await sending.ConfigureAwait(false);
            OnSent(sent);
            data = data[sent..];
        }
    }

    /// <summary>Sends a multi-segment buffer with one sendmsg() (gather I/O) instead of one send() per segment.</summary>
    private async ValueTask SendGatheredAsync(ReadOnlySequence<byte> buffer)
    {
        if (_tls is not null)
        {
            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                await SendAllAsync(segment).ConfigureAwait(false);
            }

            return;
        }

        List<ArraySegment<byte>> gather = _sender.GatherList;
        gather.Clear();
        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            if (!MemoryMarshal.TryGetArray(segment, out ArraySegment<byte> array))
            {
                gather.Clear();
                foreach (ReadOnlyMemory<byte> each in buffer)
                {
                    await SendAllAsync(each).ConfigureAwait(false);
                }

                return;
            }

            gather.Add(array);
        }

        long total = buffer.Length;
        ValueTask<int> sending = _sender.SendAsync(_socket, gather);
        if (!sending.IsCompleted)
        {
            OnSendBlocked();
        }

        int sent = await sending.ConfigureAwait(false);
        OnSent(sent);
        if (sent < total)
        {
            // A stream socket sends everything unless interrupted; finish any remainder segment by segment.
            foreach (ReadOnlyMemory<byte> rest in buffer.Slice(sent))
            {
                await SendAllAsync(rest).ConfigureAwait(false);
            }
        }
    }

    private async Task SendPumpAsync()
    {
        PipeReader reader = _output!.Reader;
        Exception? error = null;
        try
        {
            while (true)
            {
                ValueTask<ReadResult> reading = reader.ReadAsync();
                if (!reading.IsCompleted)
                {
                    OnSendIdle(); // everything queued was sent; waiting for the application is not a blocked send
                }

                ReadResult result = await reading.ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    // The receive side found the connection dead: report that cause, as a write error.
                    error = ClassifyPumpError(Volatile.Read(ref _fatalError) ?? new ObjectDisposedException(nameof(Connection)), "write");
                    break;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                if (buffer.IsSingleSegment)
                {
                    await SendAllAsync(buffer.First).ConfigureAwait(false);
                }
                else
                {
                    await SendGatheredAsync(buffer).ConfigureAwait(false);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    if (_tls is not null)
                    {
                        await ShutdownTlsAsync().ConfigureAwait(false);
                    }

                    Interlocked.Exchange(ref _finSent, 1);
                    _socket.Shutdown(SocketShutdown.Send);
                    break;
                }
            }
        }
        catch (Exception e)
        {
            error = ClassifyPumpError(e, "write");
        }
        finally
        {
            reader.Complete(error);
            _sender.Dispose();
        }
    }
}
