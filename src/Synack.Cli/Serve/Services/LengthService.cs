using Synack.Cli.Common;
using Synack.Server;

namespace Synack.Cli.Serve.Services;

/// <summary>Length-prefixed frame echo: a 4-byte big-endian length, then the payload; each frame is sent back.</summary>
internal sealed class LengthService : IService
{
    public string Name => "length";

    public string Framing(FramingMode requested) => "length";

    public string Summary => "echoes length-prefixed frames (4-byte big-endian length, max 1 MiB); same as echo --framing length";

    public ConnectionHandler Create(FramingMode framing) => new EchoService().Create(FramingMode.Length);
}
