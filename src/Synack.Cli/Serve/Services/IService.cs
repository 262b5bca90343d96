using Synack.Cli.Common;
using Synack.Server;

namespace Synack.Cli.Serve.Services;

/// <summary>A service <c>synack serve</c> can run: one small class each, registered by name in <see cref="ServiceCatalog"/>.</summary>
internal interface IService
{
    /// <summary>The name given on the command line.</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c>.</summary>
    string Summary { get; }

    /// <summary>Whether the service honours <c>--framing</c> (the others define their own wire format).</summary>
    bool TakesFraming => false;

    /// <summary>
    /// The framing on the wire, for the listening line: what <c>--framing</c> chose where it applies, otherwise the
    /// service's own (<c>lines</c> speaks lines whatever <c>--framing</c> defaults to).
    /// </summary>
    string Framing(FramingMode requested) => TakesFraming ? requested.ToString().ToLowerInvariant() : "raw";

    /// <summary>The per-connection handler.</summary>
    ConnectionHandler Create(FramingMode framing);

    /// <summary>The same service as an inline handler (the epoll transport's fast path), when it has one.</summary>
    IInlineHandler? CreateInline(FramingMode framing) => null;
}
