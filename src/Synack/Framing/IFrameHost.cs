using System.IO.Pipelines;
using Synack.Errors;
using Synack.Transport;

namespace Synack.Framing;

/// <summary>
/// What the frame helpers (<see cref="FrameReader{T}"/>, <see cref="FrameWriter{T}"/>, <see cref="LockedSend"/>) need from
/// the connection they serve: its pipes, the buffering cap, the frame clock, drain, and what a bad frame or a closed
/// connection means. <see cref="Connections.Connection"/> implements it; the helpers see nothing else of it.
/// </summary>
internal interface IFrameHost
{
    /// <summary>The received bytes.</summary>
    PipeReader Input { get; }

    /// <summary>The most bytes a reader may buffer without a complete frame (<see cref="Connections.ConnectionOptions.MaxReadBufferSize"/>).</summary>
    int MaxReadBufferSize { get; }

    /// <summary>True once the owning server drains.</summary>
    bool IsStopRequested { get; }

    /// <summary>Marks the connection idle at a frame boundary unless a stop was requested (then false).</summary>
    bool TryEnterIdle();

    /// <summary>Marks whether a reader waits at a frame boundary.</summary>
    void SetIdle(bool idle);

    /// <summary>
    /// An incomplete frame of <paramref name="buffered"/> bytes waits for more: the frame clock runs. A
    /// <paramref name="frameLength"/> above 0 is the whole frame's length, its header accepted by the decoder
    /// (<see cref="IFrameLengthDecoder{T}"/>): the engine may buffer that much (up to the read cap); 0 means unjudged.
    /// </summary>
    void OnFrameIncomplete(long buffered, long frameLength);

    /// <summary>A frame was decoded: the frame clock stops.</summary>
    void OnFrameEnded();

    /// <summary>A frame was queued for sending.</summary>
    void OnFrameSent();

    /// <summary>The error for a read cancelled because the connection is closing, or null when it is not closing.</summary>
    SynackException? ClosingError();

    /// <summary>A decode error: bad input aborts the connection (RST) with the matching reason; returns the error with the endpoints.</summary>
    SynackException OnDecodeError(SynackException error);

    /// <summary>Serializes whole sends; throws when the connection has no pipes (an inline handler's).</summary>
    SendGate SendLock { get; }

    /// <summary>The output to write a send into, under <see cref="SendLock"/>; throws when the connection is closed for sending.</summary>
    PipeWriter OpenOutput();

    /// <summary>The error for a send the closed output refused.</summary>
    SynackException SendRefused();

    /// <summary>Turns an I/O exception of a send into the connection's error.</summary>
    SynackException Classify(Exception e);
}
