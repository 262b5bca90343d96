using Synack.Connections;

namespace Synack.Hosting;

/// <summary>
/// Serves one connection of a server registered with
/// <see cref="SynackServiceCollectionExtensions.AddTcpServer{THandler}(Microsoft.Extensions.DependencyInjection.IServiceCollection, string, Action{Synack.Server.ServerOptions}?)"/>.
/// A new instance is resolved from a dependency-injection scope created for each connection (so scoped services live as
/// long as the connection) and the scope is disposed when the connection ends.
/// </summary>
public interface ITcpConnectionHandler
{
    /// <summary>
    /// Runs for the life of the connection; when it returns the server closes the connection gracefully. Throwing a
    /// <see cref="Errors.SynackException"/> (the peer misbehaved or vanished) ends only this connection; any other exception
    /// aborts it and is logged as an error. <see cref="Connection.StopRequested"/> fires when the server drains.
    /// </summary>
    Task OnConnectedAsync(Connection connection);
}
