using Synack.Cli.Common;
using Synack.Server;

namespace Synack.Cli.Serve.Services;

/// <summary>Discard (RFC 863): reads and drops everything until the peer's FIN.</summary>
internal sealed class DiscardService : IService
{
    public string Name => "discard";

    public string Summary => "RFC 863: reads and drops everything";

    public ConnectionHandler Create(FramingMode framing) => ConnectionHandlers.Discard;

    public IInlineHandler? CreateInline(FramingMode framing) => InlineHandlers.Discard;
}
