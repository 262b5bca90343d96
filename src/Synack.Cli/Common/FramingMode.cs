using System.Buffers;
using Synack.Framing;

namespace Synack.Cli.Common;

/// <summary>How messages are cut out of the byte stream, for the commands that take <c>--framing</c>.</summary>
internal enum FramingMode
{
    /// <summary>No framing: bytes as they come (echo copies them, bench counts fixed-size messages).</summary>
    Raw,

    /// <summary>LF-terminated lines (CRLF accepted), at most 8 KiB each.</summary>
    Line,

    /// <summary>A 4-byte big-endian length prefix, then that many bytes (at most 1 MiB).</summary>
    Length,
}

/// <summary>Codecs for each <see cref="FramingMode"/>.</summary>
internal static class FramingModes
{
    /// <summary>The decoder/encoder pair, or null for <see cref="FramingMode.Raw"/>.</summary>
    public static (IFrameDecoder<ReadOnlySequence<byte>> Decoder, IFrameEncoder<ReadOnlyMemory<byte>> Encoder)? Codec(FramingMode framing) =>
        framing switch
        {
            FramingMode.Line => Pair(new LineCodec()),
            FramingMode.Length => Pair(new LengthFieldCodec()),
            _ => null,
        };

    private static (IFrameDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>>) Pair<TCodec>(TCodec codec)
        where TCodec : IFrameDecoder<ReadOnlySequence<byte>>, IFrameEncoder<ReadOnlyMemory<byte>> => (codec, codec);
}
