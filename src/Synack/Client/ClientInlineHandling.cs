using Synack.Connections;
using Synack.Errors;
using Synack.Server;

namespace Synack.Client;

/// <summary>
/// What a server does around an inline handler, for a client connection that has no server: closes gracefully when the
/// handler is done (end of stream, a <see cref="SynackException"/>), aborts when it failed with a bug. On the epoll fast
/// path the connection calls <see cref="Owner"/> back; elsewhere the handler runs over the pipes.
/// </summary>
internal sealed class ClientInlineHandling : IConnectionOwner
{
    /// <summary>One for every client connection: it keeps no state.</summary>
    public static readonly ClientInlineHandling Owner = new();

    /// <summary>Runs <paramref name="handler"/> over the started connection's pipes, then closes it as the epoll path would.</summary>
    public static void RunOverPipes(Connection connection, IInlineHandler handler) => _ = RunOverPipesAsync(connection, handler);

    private static async Task RunOverPipesAsync(Connection connection, IInlineHandler handler)
    {
        try
        {
            await InlineHandlerAdapter.OverPipes(handler)(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SynackException or OperationCanceledException)
        {
            // The peer misbehaved or vanished (bad input was already answered with RST by the adapter): close below.
            (e as SynackException)?.CountFor(connection.Metrics);
        }
        catch (Exception e)
        {
            connection.AbortForHandlerFault(e); // a handler bug: as a server does, the connection is aborted
        }

        await connection.CloseAsync().ConfigureAwait(false);
    }

    void IConnectionOwner.OnHandlerDone(Connection connection, Exception? fault)
    {
        if (fault is not null)
        {
            connection.AbortForHandlerFault(fault);
        }

        _ = connection.CloseAsync();
    }

    void IConnectionOwner.OnClosed(Connection connection)
    {
    }

    /// <summary>A client has no event to report a handler's bug through (see <see cref="IInlineHandler.OnClosed"/>): ignored.</summary>
    void IConnectionOwner.OnClosedHookFaulted(Connection connection, Exception fault)
    {
    }
}
