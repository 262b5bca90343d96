namespace Synack.Transport.Epoll;

/// <summary>Receives one socket's edges on its epoll loop's thread (see <see cref="EpollLoop.Add"/>).</summary>
internal interface IEpollListener
{
    /// <summary>Input, the peer's FIN, a hang-up or an error is pending: read until EAGAIN (edges do not repeat).</summary>
    void OnReadable();

    /// <summary>Send-buffer space freed (only while watched: <see cref="EpollRegistration.WatchOutput"/>), a hang-up or an error.</summary>
    void OnWritable();

    /// <summary>An edge's handling threw (a bug): the loop goes on with its other sockets; the listener should give up on this one.</summary>
    void OnFailure(Exception error);
}
