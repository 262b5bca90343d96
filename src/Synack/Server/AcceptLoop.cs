using System.Net.Sockets;

namespace Synack.Server;

/// <summary>
/// accept() until stopped, surviving what a long-lived server meets: a connection reset while queued (ECONNABORTED)
/// is skipped; running out of descriptors (EMFILE/ENFILE) or buffers backs off 10 ms, doubling to 1 s, and never spins.
/// With a <see cref="DescriptorReserve"/>, it does not get that far: it pauses while the reserve would be touched.
/// </summary>
internal sealed class AcceptLoop
{
    internal static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(10);
    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    private readonly Func<CancellationToken, ValueTask<Socket>> _accept;
    private readonly Action<Socket> _onAccepted;
    private readonly Action<SocketError, TimeSpan>? _onBackoff;
    private readonly TimeProvider _time;
    private readonly DescriptorReserve? _reserve;

    public AcceptLoop(Func<CancellationToken, ValueTask<Socket>> accept, Action<Socket> onAccepted, TimeProvider time,
        Action<SocketError, TimeSpan>? onBackoff = null, DescriptorReserve? reserve = null)
    {
        _accept = accept;
        _onAccepted = onAccepted;
        _time = time;
        _onBackoff = onBackoff;
        _reserve = reserve;
    }

    /// <summary>Accepts until <paramref name="stop"/> is cancelled or the listener is closed.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        TimeSpan backoff = MinBackoff;
        while (!stop.IsCancellationRequested)
        {
            if (_reserve is not null && !await _reserve.WaitForRoomAsync(stop).ConfigureAwait(false))
            {
                return;
            }

            Socket accepted;
            try
            {
                accepted = await _accept(stop).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                Task pause = Task.Delay(backoff, _time, stop);
                _onBackoff?.Invoke(e.SocketErrorCode, backoff);
                try
                {
                    await pause.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = backoff * 2 > MaxBackoff ? MaxBackoff : backoff * 2;
                continue;
            }
            catch (Exception e) when (stop.IsCancellationRequested || e is ObjectDisposedException or OperationCanceledException
                || e is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted })
            {
                return;
            }

            backoff = MinBackoff;
            _onAccepted(accepted);
        }
    }
}
