using System.Runtime.CompilerServices;

namespace Synack.Connections;

public sealed partial class Connection
{
    // Kept beside the connection, not in it: a field would cost every connection 8 bytes whether it uses Items or not,
    // and an idle connection's memory is a measured target (docs/benchmarks.md). The table drops an entry with its
    // connection.
    private static readonly ConditionalWeakTable<Connection, Dictionary<object, object?>> s_items = new();

    /// <summary>
    /// State the application keeps with this connection (a nickname, a session, a parser), as Kestrel's
    /// <c>ConnectionContext.Items</c>. Made on first use, so connections that never use it cost nothing for it. Not
    /// thread-safe: use it from the connection's handler, or lock around it.
    /// </summary>
    public IDictionary<object, object?> Items => s_items.GetValue(this, static _ => new Dictionary<object, object?>());
}
