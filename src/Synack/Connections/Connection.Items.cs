namespace Synack.Connections;

public sealed partial class Connection
{
    private Dictionary<object, object?>? _items;

    /// <summary>
    /// State the application keeps with this connection (a nickname, a session, a parser), as Kestrel's
    /// <c>ConnectionContext.Items</c>. Made on first use, so connections that never use it carry no dictionary (an idle
    /// connection's memory is a measured target: docs/benchmarks.md). Not thread-safe: use it from the connection's
    /// handler, or lock around it.
    /// </summary>
    public IDictionary<object, object?> Items => _items ??= new Dictionary<object, object?>();
}
