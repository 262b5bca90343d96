using System.Buffers;
using Synack.Cli.Common;
using Synack.Framing;
using Synack.Server;

namespace Synack.Cli.Serve.Services;

/// <summary>Echo (RFC 862): every byte back; with <c>--framing</c>, every frame back, re-encoded.</summary>
internal sealed class EchoService : IService
{
    public string Name => "echo";

    public string Summary => "RFC 862: sends back what it receives (bytes, or frames with --framing)";

    public bool TakesFraming => true;

    public ConnectionHandler Create(FramingMode framing) => FramingModes.Codec(framing) is { } codec
        ? async connection =>
        {
            var reader = connection.CreateFrameReader(codec.Decoder);
            var writer = connection.CreateFrameWriter(codec.Encoder);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                await writer.WriteAsync(reader.Current.ToArray()).ConfigureAwait(false);
            }
        }
        : ConnectionHandlers.Echo;

    public IInlineHandler? CreateInline(FramingMode framing) => framing == FramingMode.Raw ? InlineHandlers.Echo : null;
}
