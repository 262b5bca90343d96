using System.Buffers;

namespace Synack.Framing;

/// <summary>
/// Byte-frame writes that need no concatenation (issue 15): a frame held in a <see cref="ReadOnlySequence{T}"/> (what a
/// <see cref="FrameReader{T}"/> or a pipe hands out, a body built in pieces), and a header plus a body, e.g. a message
/// type and id before a payload, inside one length-prefixed frame.
/// </summary>
/// <remarks>
/// The built-in codecs (<see cref="LengthFieldCodec"/>, <see cref="LineCodec"/>, <see cref="DelimiterCodec"/>,
/// <see cref="FixedLengthCodec"/>) encode a sequence directly: one length field or terminator for the whole frame, the
/// buffers copied into the connection's output as they are, with the same checks (the delimiter is looked for across
/// buffer boundaries too). Another encoder of <see cref="ReadOnlyMemory{T}"/> gets the frame joined in a pooled buffer.
/// A header plus a body costs two small segment objects, never a copy of the body.
/// </remarks>
public static class FrameWriterExtensions
{
    /// <summary>Encodes <paramref name="frame"/>, held in one or more buffers, and sends it as one frame.</summary>
    /// <exception cref="Errors.SynackException">As <see cref="FrameWriter{T}.WriteAsync(T, CancellationToken)"/>.</exception>
    public static ValueTask WriteAsync(this FrameWriter<ReadOnlyMemory<byte>> writer, ReadOnlySequence<byte> frame, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (frame.IsSingleSegment)
        {
            return writer.WriteAsync(frame.First, cancellationToken);
        }

        return writer.Encoder is ISequenceFrameEncoder sequences
            ? writer.WriteAsync(static (output, s) => s.Encoder.Encode(s.Frame, output), (Encoder: sequences, Frame: frame), cancellationToken)
            : writer.WriteAsync(static (output, s) => EncodeJoined(s.Encoder, s.Frame, output), (writer.Encoder, Frame: frame), cancellationToken);
    }

    /// <summary>
    /// Sends <paramref name="header"/> then <paramref name="body"/> as one frame (one length field, one terminator)
    /// without concatenating them.
    /// </summary>
    /// <exception cref="Errors.SynackException">As <see cref="FrameWriter{T}.WriteAsync(T, CancellationToken)"/>: the
    /// limits apply to header and body together.</exception>
    public static ValueTask WriteAsync(this FrameWriter<ReadOnlyMemory<byte>> writer, ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken = default) =>
        writer.WriteAsync(FrameBytes.Join(header, body), cancellationToken);

    /// <summary>An encoder of single buffers only: the frame is joined in a pooled buffer first.</summary>
    private static void EncodeJoined(IFrameEncoder<ReadOnlyMemory<byte>> encoder, in ReadOnlySequence<byte> frame, IBufferWriter<byte> output)
    {
        byte[] joined = ArrayPool<byte>.Shared.Rent(checked((int)frame.Length));
        try
        {
            frame.CopyTo(joined);
            encoder.Encode(joined.AsMemory(0, (int)frame.Length), output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(joined);
        }
    }
}
