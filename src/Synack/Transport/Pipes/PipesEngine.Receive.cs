using System.IO.Pipelines;
using System.Net.Sockets;
using Synack.Errors;

namespace Synack.Transport.Pipes;

internal sealed partial class PipesEngine
{
    private const int MinimumReadSize = 4096;
    private const int MaximumReadSize = 64 * 1024;
    private int _readSize = MinimumReadSize;
    private Exception? _fatalError;

    private async Task ReceivePumpAsync()
    {
        PipeWriter writer = _input.Writer;
        try
        {
            while (!IsDiscardingInput)
            {
                // Wait for readability without holding a buffer, so idle connections pin no memory.
                await _stream.WaitForInputAsync().ConfigureAwait(false);
                if (IsDiscardingInput)
                {
                    break;
                }

                Memory<byte> buffer = writer.GetMemory(_readSize);
                int received = await _stream.ReceiveAsync(buffer).ConfigureAwait(false);
                AdaptReadSize(received, buffer.Length);
                if (received == 0)
                {
                    if (WasResetNotFin())
                    {
                        throw new SocketException((int)SocketError.ConnectionReset);
                    }

                    OnRemoteFin();
                    writer.Complete();
                    return;
                }

                writer.Advance(received);
                Meter.OnReceived(received, Time.GetTimestamp());
                FlushResult flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    // The application completed Input: it will read no more. Keep draining to see the FIN.
                    MarkDiscardingInput();
                }
            }
        }
        catch (Exception e)
        {
            SynackException error = Classify(e, "read");
            writer.Complete(error);
            if (error.Kind != ErrorKind.Closed)
            {
                // Reset or timed out: the connection is dead both ways. Stop the send pump too, so the socket is released
                // and the connection closes even if the application never calls Close.
                Volatile.Write(ref _fatalError, e);
                _output.Reader.CancelPendingRead();
            }

            return;
        }

        // Discarding: the application will read no more. Fail its reads now, then drop bytes until the peer's FIN.
        writer.Complete(new SynackException(ErrorKind.Closed, "read", "connection closed locally", Host.LocalEndPoint, Host.RemoteEndPoint));
        await DiscardUntilFinAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Bulk transfers get large reads, request/response traffic small ones: a read that filled its buffer doubles the next
    /// one (up to 64 KiB, as the C yardstick reads); one that used less than a quarter halves it (down to 4 KiB).
    /// </summary>
    private void AdaptReadSize(int received, int capacity)
    {
        if (received == capacity && _readSize < MaximumReadSize)
        {
            _readSize *= 2;
        }
        else if (received < capacity / 4 && _readSize > MinimumReadSize)
        {
            _readSize /= 2;
        }
    }

    /// <summary>Reads the socket's own stream (beneath TLS: these bytes are dropped, not decrypted) until the peer's FIN.</summary>
    private async Task DiscardUntilFinAsync()
    {
        byte[] scratch = new byte[MinimumReadSize];
        try
        {
            while (await _socketStream.ReceiveAsync(scratch).ConfigureAwait(false) > 0)
            {
            }

            OnRemoteFin();
        }
        catch (Exception e)
        {
            _ = Classify(e, "read");
        }
    }
}
