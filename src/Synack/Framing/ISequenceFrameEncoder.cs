using System.Buffers;

namespace Synack.Framing;

/// <summary>
/// A byte-frame encoder that also takes a frame held in several buffers (issue 15), used by
/// <see cref="FrameWriterExtensions"/>: one length field or terminator for all of it, the buffers copied as they are.
/// The built-in byte codecs implement it. It is a separate interface, not a second <see cref="IFrameEncoder{T}"/>, so that
/// <c>connection.CreateFrameWriter(codec)</c> still infers one frame type.
/// </summary>
public interface ISequenceFrameEncoder
{
    /// <summary>Writes <paramref name="frame"/> to <paramref name="output"/> as one frame, checked as a single buffer would be.</summary>
    /// <exception cref="Errors.SynackException">Kind <see cref="Errors.ErrorKind.LimitExceeded"/> when the frame is too long. Nothing is written then.</exception>
    /// <exception cref="ArgumentException">The frame cannot be represented by this codec. Nothing is written then.</exception>
    void Encode(in ReadOnlySequence<byte> frame, IBufferWriter<byte> output);
}
