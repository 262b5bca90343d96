using Synack.Connections;

namespace Synack.Server;

/// <summary>What the server's buffer budget (<see cref="ServerOptions.MaxBufferedBytes"/>) did to one connection.</summary>
public enum BufferOverloadAction
{
    /// <summary>Reading stopped: the server is over its budget and this connection holds one of the largest buffers.</summary>
    Paused,

    /// <summary>Reading goes on: the server is back under its budget.</summary>
    Resumed,

    /// <summary>Aborted (RST, <see cref="CloseReason.LimitExceeded"/>): the server stayed over its budget after pausing.</summary>
    Shed,
}

/// <summary>One step of the buffer budget, raised by <see cref="SynackServer.BufferOverload"/>.</summary>
/// <param name="Action">What was done.</param>
/// <param name="Connection">To which connection.</param>
/// <param name="ConnectionBytes">The bytes that connection held (input not consumed plus output not sent).</param>
/// <param name="TotalBytes">The bytes all the server's connections held.</param>
/// <param name="Budget">The budget, <see cref="ServerOptions.MaxBufferedBytes"/>.</param>
public sealed record BufferOverloadEvent(BufferOverloadAction Action, Connection Connection, long ConnectionBytes, long TotalBytes, long Budget);
