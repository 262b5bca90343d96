using System.Buffers;
using Synack.Connections;

namespace Synack.Server;

public sealed partial class SynackServer
{
    /// <summary>
    /// The connections being served now: a snapshot, safe to enumerate while clients come and go (one array, taken under
    /// the set's lock; a connection in it may close meanwhile, and then refuses writes). For a chat room, a presence
    /// list, or a broadcast (<see cref="Broadcast"/>), instead of a dictionary the application keeps in step itself.
    /// </summary>
    public IReadOnlyList<Connection> Connections => _connections.ToArray();

    /// <summary>
    /// Sends <paramref name="message"/> to every connection being served (but <paramref name="except"/>) without ever
    /// waiting: through <see cref="Connection.TryWrite{TState}"/>, so one client that does not read cannot hold up the
    /// others (a naive <c>Task.WhenAll</c> of sends waited 5.6 s on one such client, issue 15). A connection that cannot
    /// take the message now (more than <see cref="ConnectionOptions.MaxPendingSendBytes"/> waiting for it, or closing) is
    /// skipped: the slow consumer misses it, as with Netty's <c>isWritable</c> check, and the idle and send timeouts
    /// (<see cref="ConnectionOptions.SendTimeout"/>) end a consumer that stays stuck.
    /// </summary>
    /// <remarks>
    /// On async connections a message is also skipped while another send to that connection is in progress (its send
    /// lock is taken without waiting): broadcasts made from many threads at once can skip a healthy connection. Serialize
    /// them (one broadcasting task fed by a channel) when every message must reach every reader that keeps up.
    /// </remarks>
    /// <returns>How many connections took the message; the rest were skipped.</returns>
    public int Broadcast(ReadOnlyMemory<byte> message, Connection? except = null)
    {
        int delivered = 0;
        foreach (Connection connection in _connections.ToArray())
        {
            if (connection != except && connection.TryWrite(static (output, m) => output.Write(m.Span), message))
            {
                delivered++;
            }
        }

        return delivered;
    }
}
