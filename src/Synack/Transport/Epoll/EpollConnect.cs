using System.Net;
using System.Net.Sockets;

namespace Synack.Transport.Epoll;

/// <summary>
/// A non-blocking connect on an epoll loop, as the classic lesson goes: <c>connect()</c> returns EINPROGRESS, the socket
/// becomes writable once the handshake ends either way, and <c>SO_ERROR</c> says how (0, ECONNREFUSED, ETIMEDOUT, ...).
/// The socket is never handed to the runtime's own engine, so later edges wake only this transport's loop.
/// </summary>
internal sealed class EpollConnect : IEpollListener
{
    private readonly Socket _socket;
    private readonly EpollRegistration _registration;
    private readonly TaskCompletionSource<SocketError> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly CancellationToken _cancellation;

    private EpollConnect(Socket socket, EpollLoop loop, CancellationToken cancellation)
    {
        _socket = socket;
        _cancellation = cancellation;
        _registration = new EpollRegistration(loop, socket, this);
    }

    /// <summary>
    /// Connects <paramref name="socket"/> (made non-blocking here) to <paramref name="endPoint"/>, waiting on
    /// <paramref name="loop"/>. Throws <see cref="SocketException"/> with the connect's error; on cancellation the socket
    /// is no longer watched when <see cref="OperationCanceledException"/> reaches the caller, so it may be closed at once.
    /// </summary>
    public static async Task ConnectAsync(Socket socket, EndPoint endPoint, EpollLoop loop, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        socket.Blocking = false;
        try
        {
            socket.Connect(endPoint);
            return; // connected at once
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
            // EINPROGRESS: the handshake is under way.
        }

        var wait = new EpollConnect(socket, loop, cancellationToken);
        loop.Add(wait._registration);
        wait._registration.WatchOutput(true); // EPOLL_CTL_MOD re-checks readiness: a handshake that already ended is seen
        SocketError result;
        await using (cancellationToken.UnsafeRegister(static w => ((EpollConnect)w!).Finish(null), wait).ConfigureAwait(false))
        {
            result = await wait._done.Task.ConfigureAwait(false);
        }

        if (result != SocketError.Success)
        {
            throw new SocketException((int)result);
        }
    }

    void IEpollListener.OnWritable() => Finish(ReadError());

    void IEpollListener.OnReadable()
    {
        if (_registration.InputEnding)
        {
            Finish(ReadError()); // a refused or failed handshake reports EPOLLERR/EPOLLHUP: SO_ERROR says which
        }
    }

    void IEpollListener.OnFailure(Exception error) => Finish(SocketError.SocketError);

    private SocketError ReadError()
    {
        try
        {
            return (SocketError)(int)_socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return SocketError.OperationAborted; // cancelled and closed meanwhile: the cancellation reports it
        }
    }

    /// <summary>The handshake ended (<paramref name="error"/>) or was cancelled (null): stop watching, then report.</summary>
    private void Finish(SocketError? error)
    {
        _registration.Unregister(); // first: the caller may close the socket as soon as it hears
        if (error is { } e)
        {
            _done.TrySetResult(e);
        }
        else
        {
            _done.TrySetCanceled(_cancellation);
        }
    }
}
