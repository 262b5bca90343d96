using System.Net.Sockets;

namespace Synack.Testing.Proxy;

/// <summary>One client connection and its upstream connection, with a fault chain per direction.</summary>
internal sealed class ProxiedConnection
{
    private const int ChunkSize = 64 * 1024;

    private readonly Socket _client;
    private readonly Socket _upstream;
    private readonly IReadOnlyList<Fault> _faults;
    private readonly CancellationTokenSource _ended = new();
    private int _finished;
    private int _finSentToClient;
    private int _finSentUpstream;

    public ProxiedConnection(Socket client, Socket upstream, IReadOnlyList<Fault> faults, TimeProvider time)
    {
        _client = client;
        _upstream = upstream;
        _faults = faults;
        Time = time;
    }

    public TimeProvider Time { get; }

    public CancellationToken Ended => _ended.Token;

    /// <summary>Pumps both directions until both have ended, then closes both sockets.</summary>
    public async Task RunAsync()
    {
        try
        {
            await Task.WhenAll(
                PumpAsync(_client, _upstream, Direction.Upstream),
                PumpAsync(_upstream, _client, Direction.Downstream)).ConfigureAwait(false);
        }
        finally
        {
            Finish(reset: false);
        }
    }

    /// <summary>RST on both sides.</summary>
    public void Reset() => Finish(reset: true);

    /// <summary>FIN on both sides (what is not forwarded yet is dropped).</summary>
    public void Close() => Finish(reset: false);

    private void Finish(bool reset)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        _ended.Cancel();
        foreach (Socket socket in new[] { _client, _upstream })
        {
            if (reset)
            {
                socket.Close(0); // abortive: RST even while the other direction's receive is pending
                continue;
            }

            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }

            socket.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, Direction direction)
    {
        var link = new FaultLink(this, direction);
        var faults = _faults.Where(f => f.Direction.HasFlag(direction) && (f.Probability >= 1 || Random.Shared.NextDouble() < f.Probability)).ToArray();
        Func<ReadOnlyMemory<byte>, ValueTask> forward = chunk => SendAllAsync(to, chunk);
        Func<ValueTask> end = () =>
        {
            Volatile.Write(ref to == _client ? ref _finSentToClient : ref _finSentUpstream, 1);
            to.Shutdown(SocketShutdown.Send); // half-close passes through: the other direction keeps flowing
            return ValueTask.CompletedTask;
        };
        for (int i = faults.Length - 1; i >= 0; i--)
        {
            Fault fault = faults[i];
            var nextChunk = forward;
            var nextEnd = end;
            forward = chunk => fault.OnChunkAsync(chunk, link, nextChunk);
            end = () => fault.OnEndAsync(link, nextEnd);
        }

        foreach (Fault fault in faults)
        {
            fault.OnOpen(link);
        }

        byte[] buffer = new byte[ChunkSize];
        try
        {
            while (true)
            {
                int received = await from.ReceiveAsync(buffer, SocketFlags.None, Ended).ConfigureAwait(false);
                if (received == 0)
                {
                    if (Volatile.Read(ref from == _client ? ref _finSentToClient : ref _finSentUpstream) == 0 && TcpState.EndedByReset(from))
                    {
                        Reset(); // the other direction's send() took the RST's ECONNRESET: still a reset, not a FIN
                        return;
                    }

                    await end().ConfigureAwait(false);
                    return;
                }

                await forward(buffer.AsMemory(0, received)).ConfigureAwait(false);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            Reset(); // mirror a reset to the other side, as a transparent middlebox would
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The link was closed or reset by a fault or by the other direction.
        }
    }

    private async ValueTask SendAllAsync(Socket to, ReadOnlyMemory<byte> chunk)
    {
        while (!chunk.IsEmpty)
        {
            chunk = chunk[await to.SendAsync(chunk, SocketFlags.None, Ended).ConfigureAwait(false)..];
        }
    }
}
