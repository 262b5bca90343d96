using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Synack.Errors;
using Synack.Framing;

namespace Synack.Connections;

public sealed partial class Connection
{
    /// <summary>Serializes whole sends (and output completion); an inline handler over pipes holds it while it writes and flushes.</summary>
    internal Transport.SendGate SendLock => _engine.SendLock ?? throw InlineOnly("The send lock");

    /// <summary>
    /// Sends all of <paramref name="data"/> (never short), waiting while the pending-send cap is reached. Safe to call
    /// from several tasks at once: each call's bytes go out contiguously.
    /// </summary>
    /// <exception cref="SynackException">The connection was reset (<see cref="ErrorKind.Reset"/>,
    /// <see cref="ErrorKind.BrokenPipe"/>) or closed by this side (<see cref="ErrorKind.Closed"/>).</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        LockedSend.WriteAsync(this, static (output, state) => output.Write(state.Span), data, cancellationToken);

    /// <summary>Encodes one frame and sends it as a unit (see <see cref="FrameWriter{T}"/>).</summary>
    internal ValueTask SendFrameAsync<T>(IFrameEncoder<T> encoder, T frame, CancellationToken cancellationToken) =>
        FrameWriter<T>.SendAsync(this, encoder, frame, cancellationToken);

    Transport.SendGate IFrameHost.SendLock => _engine.SendLock ?? throw InlineOnly("Sending with SendAsync or a FrameWriter");

    PipeWriter IFrameHost.OpenOutput() =>
        CloseReason is not CloseReason.None and not CloseReason.RemoteFin || Volatile.Read(ref _outputCompleted) != 0
            ? throw WriteAfterCloseError()
            : _engine.Output!;

    SynackException IFrameHost.SendRefused() => WriteAfterCloseError();

    SynackException IFrameHost.Classify(Exception e) => _engine.Classify(e, "write");

    void IFrameHost.OnFrameSent() => _engine.Meter.OnFrameSent();

    private SynackException WriteAfterCloseError() => CloseReason == CloseReason.RemoteReset
        ? new SynackException(ErrorKind.Reset, "write", "connection reset by peer", LocalEndPoint, RemoteEndPoint, SocketError.ConnectionReset, null, Metrics)
        : new SynackException(ErrorKind.Closed, "write", $"connection is closed for sending ({CloseReason})", LocalEndPoint, RemoteEndPoint);
}
