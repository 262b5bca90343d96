namespace Synack.Connections;

/// <summary>
/// What a server hears from a connection that runs an inline handler: it has no task per connection to await, so the
/// connection calls back instead (nothing is allocated per connection for it).
/// </summary>
internal interface IConnectionOwner
{
    /// <summary>
    /// The inline handler will not be called again (end of stream, close, drain, failure); <paramref name="fault"/> is a
    /// handler bug, if that is why. Called once, possibly on an epoll loop thread with the connection's lock held: the
    /// owner must not block.
    /// </summary>
    void OnHandlerDone(Connection connection, Exception? fault);

    /// <summary>The socket is released and <see cref="Connection.Closed"/> completed. Called once.</summary>
    void OnClosed(Connection connection);

    /// <summary>
    /// The inline handler's <see cref="Server.IInlineHandler.OnClosed"/> threw <paramref name="fault"/> (a bug): report it.
    /// The connection is closed already. May run on an epoll loop thread: the owner must not block.
    /// </summary>
    void OnClosedHookFaulted(Connection connection, Exception fault);
}
