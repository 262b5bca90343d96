using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Synack.Testing.Proxy;

/// <summary>
/// A TCP proxy that injects faults, for testing how clients and servers behave when the network or the peer misbehaves
/// (toxiproxy's model, in-process). With no faults it forwards byte-exactly, half-close included.
/// </summary>
/// <remarks>
/// Each accepted client connection gets its own upstream connection; a client whose upstream connect fails is reset.
/// Chunks are at most 64 KiB, as read. Loopback or namespaces you own only: the proxy connects wherever it is told.
/// </remarks>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly EndPoint _upstream;
    private readonly IReadOnlyList<Fault> _faults;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<ProxiedConnection, Task> _connections = new();
    private Task _accepting = Task.CompletedTask;
    private long _accepted;

    /// <summary>Binds <paramref name="listen"/> (port 0 picks one) and forwards to <paramref name="upstream"/> through <paramref name="faults"/>.</summary>
    public FaultProxy(IPEndPoint listen, EndPoint upstream, IEnumerable<Fault> faults, TimeProvider? time = null)
    {
        _upstream = upstream ?? throw new ArgumentNullException(nameof(upstream));
        _faults = (faults ?? throw new ArgumentNullException(nameof(faults))).ToArray();
        _time = time ?? TimeProvider.System;
        _listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(listen);
        _listener.Listen(512);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    /// <summary>Where clients connect.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Client connections accepted so far.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Raised for each accepted client, with its endpoint (for logs).</summary>
    public event Action<EndPoint>? ConnectionOpened;

    /// <summary>Starts accepting.</summary>
    public FaultProxy Start()
    {
        _accepting = AcceptLoopAsync();
        return this;
    }

    /// <summary>Stops accepting and closes every proxied connection (FIN).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        foreach (ProxiedConnection connection in _connections.Keys)
        {
            connection.Close();
        }

        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue; // a connection reset while queued: keep accepting
            }

            Interlocked.Increment(ref _accepted);
            ConnectionOpened?.Invoke(client.RemoteEndPoint!);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        client.NoDelay = true;
        var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await upstream.ConnectAsync(_upstream, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            upstream.Dispose();
            client.LingerState = new LingerOption(true, 0); // upstream refused: the client sees a reset, as with a dead backend
            client.Dispose();
            return;
        }

        var connection = new ProxiedConnection(client, upstream, _faults, _time);
        Task run = connection.RunAsync();
        _connections[connection] = run;
        await run.ConfigureAwait(false);
        _connections.TryRemove(connection, out _);
    }
}
