using System.Buffers;

namespace Synack.Framing;

/// <summary>
/// A pure, synchronous frame decoder: it looks at buffered bytes and either cuts one frame off the front
/// or says it needs more. It never touches a socket, never awaits and never allocates per byte.
/// </summary>
/// <typeparam name="T">The decoded frame. Frames that are slices of the input (such as
/// <see cref="ReadOnlySequence{T}"/>) stay valid only until the caller advances the underlying buffer.</typeparam>
/// <remarks>
/// Contract, shared by every codec and relied upon by <see cref="FrameReader{T}"/>:
/// <list type="bullet">
/// <item>Returns <c>true</c> with <c>input</c> advanced exactly past one frame.</item>
/// <item>Returns <c>false</c> when the input holds no complete frame yet. The reader position may have moved;
///   the caller rewinds. Decoding is a function of the bytes alone, never of how they were split.</item>
/// <item>Throws <see cref="Errors.SynackException"/> of kind <see cref="Errors.ErrorKind.LimitExceeded"/> as soon as
///   a header announces a frame larger than <see cref="MaxFrameLength"/> (before the body is buffered), and of kind
///   <see cref="Errors.ErrorKind.ProtocolError"/> for malformed input. After a throw the stream is unusable.</item>
/// </list>
/// </remarks>
public interface IFrameDecoder<T>
{
    /// <summary>
    /// The most bytes the decoder will buffer while looking for one frame (header and body).
    /// <see cref="FrameReader{T}"/> fails with <see cref="Errors.ErrorKind.LimitExceeded"/> once more than this is
    /// buffered without a complete frame, which bounds memory for decoders that cannot tell the size up front
    /// (a line without its delimiter).
    /// </summary>
    long MaxFrameLength { get; }

    /// <summary>Tries to decode one frame from the front of <paramref name="input"/>.</summary>
    /// <param name="input">The buffered bytes; advanced past the frame on success.</param>
    /// <param name="frame">The frame, when the method returns <c>true</c>.</param>
    /// <returns><c>true</c> when a frame was decoded; <c>false</c> when more bytes are needed.</returns>
    bool TryDecode(ref SequenceReader<byte> input, out T frame);
}
