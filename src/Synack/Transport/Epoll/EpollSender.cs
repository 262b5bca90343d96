using System.Net.Sockets;
using Synack.Transport.Pipes;

namespace Synack.Transport.Epoll;

/// <summary>
/// Sends with non-blocking send()/sendmsg() straight from the pump. On EAGAIN it watches the socket for an output edge
/// (only then: see <see cref="EpollRegistration.WatchOutput"/>) and tries again when the loop signals one.
/// </summary>
internal sealed class EpollSender(EpollRegistration registration) : ISender
{
    private delegate int SendCall<T>(Socket socket, T buffers, out SocketError error);

    private List<ArraySegment<byte>>? _gather;

    public List<ArraySegment<byte>> GatherList => _gather ??= new();

    public ValueTask<int> SendAsync(Socket socket, ReadOnlyMemory<byte> buffer) =>
        SendAsync(socket, buffer, static (Socket s, ReadOnlyMemory<byte> b, out SocketError e) => s.Send(b.Span, SocketFlags.None, out e));

    public ValueTask<int> SendAsync(Socket socket, IList<ArraySegment<byte>> buffers) =>
        SendAsync(socket, buffers, static (Socket s, IList<ArraySegment<byte>> b, out SocketError e) => s.Send(b, SocketFlags.None, out e));

    public void Dispose()
    {
    }

    private async ValueTask<int> SendAsync<T>(Socket socket, T buffers, SendCall<T> send)
    {
        while (true)
        {
            int seen = registration.Writable.Sequence;
            int sent = send(socket, buffers, out SocketError error);
            if (error == SocketError.Success)
            {
                registration.WatchOutput(false);
                return sent;
            }

            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
            }

            registration.AwaitWritable();
            await registration.Writable.WaitAsync(seen).ConfigureAwait(false);
        }
    }
}
