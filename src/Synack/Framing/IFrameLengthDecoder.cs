using System.Buffers;

namespace Synack.Framing;

/// <summary>
/// A decoder that says, for a frame still incomplete, how long that frame is once its header has been accepted, so the
/// connection may buffer the whole frame and no more: input whose header is not yet judged is held to one read
/// (<see cref="Connections.ConnectionOptions.MaxUnjudgedBytes"/>), and only a frame whose header was accepted may grow
/// the buffer towards <see cref="Connections.ConnectionOptions.MaxReadBufferSize"/> (issue 14, problem 2; Kestrel's
/// request-line and header limits bound a request before its body is admitted the same way).
/// </summary>
/// <remarks>
/// <see cref="FrameReader{T}"/> and <see cref="InlineFrameHandler{T}"/> call this overload instead of
/// <see cref="IFrameDecoder{T}.TryDecode"/> when a decoder implements it; the result and the frame are the same. The
/// length is reported on the slow path only (an incomplete frame), so the per-frame cost is one local write.
/// <see cref="LengthFieldCodec"/> (header + announced body), <see cref="FixedLengthCodec"/> (the record) and
/// <see cref="HttpLikeCodec"/> (head + Content-Length, or the chunks seen so far plus the next) implement it; line and
/// delimiter codecs never accept a header before the frame is complete, so they do not.
/// </remarks>
/// <typeparam name="T">The frame type.</typeparam>
public interface IFrameLengthDecoder<T> : IFrameDecoder<T>
{
    /// <summary>Tries to decode one frame, as <see cref="IFrameDecoder{T}.TryDecode"/> does, and reports its length when it is incomplete.</summary>
    /// <param name="input">The buffered bytes, starting at a frame boundary; advanced past the frame on success.</param>
    /// <param name="frame">The frame, when the method returns <c>true</c>.</param>
    /// <param name="frameLength">When the method returns <c>false</c>: the bytes the frame needs in all, from its first byte,
    /// once its header is complete and accepted (at most <see cref="IFrameDecoder{T}.MaxFrameLength"/>); 0 while the header
    /// is incomplete. When it returns <c>true</c>: 0.</param>
    /// <returns><c>true</c> when a frame was decoded; <c>false</c> when more bytes are needed.</returns>
    bool TryDecode(ref SequenceReader<byte> input, out T frame, out long frameLength);
}
