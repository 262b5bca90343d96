using System.Buffers;
using Synack.Connections;

namespace Synack.Server;

public sealed partial class SynackServer
{
    /// <summary>How many times <see cref="BroadcastAsync"/> tries a busy connection again (1 ms apart) before it skips it.</summary>
    private const int BusyRetries = 50;

    /// <summary>
    /// The connections being served now: a snapshot, safe to enumerate while clients come and go (one array, taken under
    /// the set's lock; a connection in it may close meanwhile, and then refuses writes). For a chat room, a presence
    /// list, or a broadcast (<see cref="Broadcast(ReadOnlyMemory{byte}, Connection?)"/>), instead of a dictionary the application keeps in step itself.
    /// </summary>
    public IReadOnlyList<Connection> Connections => _connections.ToArray();

    /// <summary>
    /// Sends <paramref name="message"/> to every connection being served (but <paramref name="except"/>) without ever
    /// waiting: through <see cref="Connection.TryWrite{TState}(Action{IBufferWriter{byte}, TState}, TState)"/>, so one
    /// client that does not read cannot hold up the others (a naive <c>Task.WhenAll</c> of sends waited 5.6 s on one such
    /// client, issue 15). A connection that cannot take the message now is skipped; see
    /// <see cref="Broadcast(ReadOnlyMemory{byte}, SlowConsumerPolicy, Connection?)"/> for why, and for disconnecting slow consumers.
    /// </summary>
    /// <returns>How many connections took the message; the rest were skipped.</returns>
    public int Broadcast(ReadOnlyMemory<byte> message, Connection? except = null) =>
        Broadcast(message, SlowConsumerPolicy.Skip, except).Delivered;

    /// <summary>
    /// One pass over the connections being served (but <paramref name="except"/>), never waiting: each takes the message
    /// now, or is refused (<see cref="WriteRefusal"/>). A slow consumer, one with
    /// <see cref="ConnectionOptions.MaxPendingSendBytes"/> still unsent, is skipped or aborted as <paramref name="policy"/>
    /// says; a busy one (another send holds its lock) and a closing one are skipped.
    /// </summary>
    /// <remarks>
    /// Busy happens when broadcasts are made from several threads at once, or, over pipes (the sockets transport), while
    /// the recipient's own handler is sending. Make broadcasts from one task (fed by a channel, as samples/Chat does) and
    /// use <see cref="BroadcastAsync"/>, which tries busy connections again, when every message must reach every reader
    /// that keeps up.
    /// </remarks>
    public BroadcastResult Broadcast(ReadOnlyMemory<byte> message, SlowConsumerPolicy policy, Connection? except = null)
    {
        var tally = new Tally();
        foreach (Connection connection in _connections.ToArray())
        {
            if (connection != except && tally.Offer(connection, message, policy))
            {
                tally.Busy++;
            }
        }

        return tally.Result;
    }

    /// <summary>
    /// <see cref="Broadcast(ReadOnlyMemory{byte}, SlowConsumerPolicy, Connection?)"/>, then the connections that were busy
    /// are tried again, 1 ms apart, up to 50 times: a send in progress ends in moments, a slow consumer is never waited
    /// for (it is refused with backpressure at once). Those still busy after that are skipped.
    /// </summary>
    public async Task<BroadcastResult> BroadcastAsync(ReadOnlyMemory<byte> message, SlowConsumerPolicy policy, Connection? except = null,
        CancellationToken cancellationToken = default)
    {
        var tally = new Tally();
        List<Connection>? busy = null;
        foreach (Connection connection in _connections.ToArray())
        {
            if (connection != except && tally.Offer(connection, message, policy))
            {
                (busy ??= new()).Add(connection);
            }
        }

        for (int attempt = 0; busy is { Count: > 0 } && attempt < BusyRetries; attempt++)
        {
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            busy.RemoveAll(c => !tally.Offer(c, message, policy));
        }

        tally.Busy = busy?.Count ?? 0;
        return tally.Result;
    }

    /// <summary>Counts one broadcast's outcomes.</summary>
    private sealed class Tally
    {
        public int Delivered;
        public int Slow;
        public int Busy;
        public int Disconnected;

        public BroadcastResult Result => new(Delivered, Slow, Busy, Disconnected);

        /// <summary>Offers the message to <paramref name="connection"/> and counts what happened; true when it was busy (the caller decides).</summary>
        public bool Offer(Connection connection, ReadOnlyMemory<byte> message, SlowConsumerPolicy policy)
        {
            connection.TryWrite(static (output, m) => output.Write(m.Span), message, out WriteRefusal refusal);
            switch (refusal)
            {
                case WriteRefusal.None:
                    Delivered++;
                    break;
                case WriteRefusal.Backpressure when policy == SlowConsumerPolicy.Disconnect:
                    connection.AbortCore(CloseReason.LimitExceeded);
                    Disconnected++;
                    break;
                case WriteRefusal.Backpressure:
                    Slow++;
                    break;
                case WriteRefusal.Busy:
                    return true;
            }

            return false;
        }
    }
}
