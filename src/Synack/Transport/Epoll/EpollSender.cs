using System.Net.Sockets;

namespace Synack.Transport.Epoll;

/// <summary>Sends with non-blocking send()/sendmsg() straight from the pump, waiting for the loop's output edge on EAGAIN.</summary>
internal sealed class EpollSender(EpollRegistration registration) : ISender
{
    public async ValueTask<int> SendAsync(Socket socket, ReadOnlyMemory<byte> buffer)
    {
        while (true)
        {
            int seen = registration.Writable.Sequence;
            int sent = socket.Send(buffer.Span, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                registration.WatchOutput(false);
                return sent;
            }

            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
            }

            registration.WatchOutput(true);
            await registration.Writable.WaitAsync(seen).ConfigureAwait(false);
        }
    }

    public async ValueTask<int> SendAsync(Socket socket, IList<ArraySegment<byte>> buffers)
    {
        while (true)
        {
            int seen = registration.Writable.Sequence;
            int sent = socket.Send(buffers, SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                registration.WatchOutput(false);
                return sent;
            }

            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
            }

            registration.WatchOutput(true);
            await registration.Writable.WaitAsync(seen).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
    }
}
