using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Synack.Transport.Pipes;

internal sealed partial class PipesEngine
{
    private async Task SendPumpAsync()
    {
        PipeReader reader = _output.Reader;
        Exception? error = null;
        try
        {
            while (true)
            {
                ValueTask<ReadResult> reading = reader.ReadAsync();
                if (!reading.IsCompleted)
                {
                    Meter.OnSendIdle(); // everything queued was sent; waiting for the application is not a blocked send
                }

                ReadResult result = await reading.ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    // The receive side found the connection dead: report that cause, as a write error.
                    error = Classify(Volatile.Read(ref _fatalError) ?? new ObjectDisposedException("Connection"), "write");
                    break;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                AccountOutput(buffer.Length);
                await _stream.SendAsync(buffer, this).ConfigureAwait(false);
                reader.AdvanceTo(buffer.End);
                AccountOutput(0);
                if (result.IsCompleted)
                {
                    // Marked before TLS's close_notify, which ends the stream for the peer as a FIN does: a reply and FIN it
                    // sends at once must find ours recorded (LocalHalfCloseThenRemoteFin, not RemoteFin).
                    MarkFinSent();
                    await _stream.ShutdownOutputAsync().ConfigureAwait(false);
                    Socket.Shutdown(SocketShutdown.Send);
                    break;
                }
            }
        }
        catch (Exception e)
        {
            error = Classify(e, "write");
        }
        finally
        {
            reader.Complete(error);
            _stream.EndSending();
        }
    }
}
