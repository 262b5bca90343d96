using System.Buffers;
using System.Net.Sockets;
using Synack.Connections;
using Synack.Errors;
using Synack.Server;

namespace Synack.Framing;

/// <summary>
/// An <see cref="IInlineHandler"/> that is handed whole frames (issue 15: running an <see cref="IFrameDecoder{T}"/>
/// inside <see cref="IInlineHandler.OnReceived"/> meant rewinding the reader by hand after every incomplete frame and
/// working out the consumed count). Each batch of input is decoded frame by frame; an incomplete frame at the end is left
/// unconsumed (the engine offers it again with more bytes); the count returned to the engine is exactly the bytes of the
/// frames handled.
/// </summary>
/// <remarks>
/// <para>Limits are the frame helpers': more than the decoder's <see cref="IFrameDecoder{T}.MaxFrameLength"/> buffered
/// without a complete frame fails with <see cref="ErrorKind.LimitExceeded"/>, and a decoder's
/// <see cref="ErrorKind.ProtocolError"/> passes through; either aborts the connection (RST), as for
/// <see cref="FrameReader{T}"/>. A frame that is a slice of the input is valid only during <see cref="OnFrame"/>.</para>
/// <para>Replies are encoded straight into <c>output</c> (<c>codec.Encode(reply, output)</c>); they go out when the
/// batch is done, one send for all of them.</para>
/// </remarks>
/// <typeparam name="T">The frame type.</typeparam>
public abstract class InlineFrameHandler<T> : IInlineHandler
{
    /// <summary>Decodes with <paramref name="decoder"/> (shared by every connection: decoders keep no per-connection state).</summary>
    protected InlineFrameHandler(IFrameDecoder<T> decoder)
    {
        Decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
    }

    /// <summary>The decoder.</summary>
    public IFrameDecoder<T> Decoder { get; }

    /// <summary>
    /// Handles one frame; returns false to stop this batch (after closing the connection, say): the frames after it stay
    /// unconsumed.
    /// </summary>
    protected abstract bool OnFrame(Connection connection, T frame, IBufferWriter<byte> output);

    /// <inheritdoc/>
    public virtual void OnConnected(Connection connection, IBufferWriter<byte> output)
    {
    }

    /// <summary>Decodes every complete frame of <paramref name="input"/> and hands each to <see cref="OnFrame"/>; returns the bytes they took.</summary>
    public long OnReceived(Connection connection, ReadOnlySequence<byte> input, IBufferWriter<byte> output)
    {
        var reader = new SequenceReader<byte>(input);
        while (true)
        {
            SequenceReader<byte> frameStart = reader; // a copy: where to rewind to when the frame is incomplete
            if (!Decoder.TryDecode(ref reader, out T frame))
            {
                reader = frameStart;
                break;
            }

            if (reader.Consumed == frameStart.Consumed)
            {
                throw new InvalidOperationException($"{Decoder.GetType().Name} decoded a frame without consuming any input");
            }

            if (!OnFrame(connection, frame, output))
            {
                return reader.Consumed;
            }
        }

        if (reader.Remaining > Decoder.MaxFrameLength)
        {
            throw new SynackException(ErrorKind.LimitExceeded, "decode",
                $"{reader.Remaining} bytes buffered without a complete frame; the maximum frame length is {Decoder.MaxFrameLength}",
                connection?.LocalEndPoint, connection?.RemoteEndPoint, SocketError.Success, null, connection?.Metrics);
        }

        return reader.Consumed;
    }

    /// <summary>
    /// The peer sent FIN. By default a partial frame left over is a <see cref="ErrorKind.TruncatedFrame"/>, as
    /// <see cref="IInlineHandler.OnEndOfStream"/> reports it; none ends the connection cleanly.
    /// </summary>
    public virtual void OnEndOfStream(Connection connection, ReadOnlySequence<byte> unconsumed, IBufferWriter<byte> output)
    {
        if (!unconsumed.IsEmpty)
        {
            throw new SynackException(ErrorKind.TruncatedFrame, "decode", SynackException.TruncatedDetail(unconsumed.Length),
                connection.LocalEndPoint, connection.RemoteEndPoint, SocketError.Success, null, connection.Metrics);
        }
    }

    /// <inheritdoc/>
    public virtual void OnClosed(Connection connection, CloseReason reason)
    {
    }
}
