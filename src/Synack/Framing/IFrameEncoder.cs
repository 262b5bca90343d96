using System.Buffers;

namespace Synack.Framing;

/// <summary>A pure frame encoder: writes one frame's bytes to a buffer. It never touches a socket and never awaits.</summary>
/// <typeparam name="T">The frame to encode.</typeparam>
public interface IFrameEncoder<T>
{
    /// <summary>Writes <paramref name="frame"/> to <paramref name="output"/>.</summary>
    /// <exception cref="Errors.SynackException">Kind <see cref="Errors.ErrorKind.LimitExceeded"/> when the frame is longer than
    /// the length field or the configured maximum allows. Nothing is written then.</exception>
    /// <exception cref="ArgumentException">The frame cannot be represented by this codec (it contains the delimiter,
    /// or has the wrong fixed length). Nothing is written then.</exception>
    void Encode(in T frame, IBufferWriter<byte> output);
}
