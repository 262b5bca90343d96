using System.IO.Pipelines;
using System.Net.Sockets;
using Synack.Connections;

namespace Synack.Transport.Pipes;

/// <summary>
/// The pipes engine: a duplex pipe over a byte stream (<see cref="IByteStream"/>), moved by two pumps. The same pumps
/// serve the runtime's sockets (<see cref="Sockets.RuntimeSocketStream"/>) and epoll readiness
/// (<see cref="Epoll.EpollSocketStream"/>), with or without TLS over them (<see cref="Tls.TlsByteStream"/>).
/// </summary>
/// <remarks>
/// <code>
///   receive pump:  Reading ──recv()==0──► Eof (Input completes, reason RemoteFin or LocalHalfCloseThenRemoteFin)
///                     │ CloseAsync            └── ECONNRESET ──► Faulted (Input fails with Reset, reason RemoteReset)
///                     ▼
///                  Discarding (Input fails with Closed; bytes are read and dropped until the peer's FIN)
///   send pump:     Sending ──Output completed──► shutdown(SHUT_WR) = FIN ──► Done
///                     └── EPIPE/ECONNRESET ──► Faulted (writes fail with Reset/BrokenPipe)
/// </code>
/// When both pumps are done the socket is closed and the connection hears of it (<see cref="IConnectionEvents.OnReleased"/>).
/// An abort closes it at once with SO_LINGER 0 (RST); reads and writes pending at that moment complete with an error.
/// </remarks>
internal sealed partial class PipesEngine : ConnectionEngine
{
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly SendGate _sendLock = new();
    private readonly ISocketStream _socketStream; // the socket's own stream, beneath any adapter
    private IByteStream _stream;                  // what the pumps use: the socket's stream, or TLS over it
    private Task _receivePump = Task.CompletedTask;
    private Task _sendPump = Task.CompletedTask;
    private Task? _completeOutput;
    private PipeTryWriter? _tryWriter;
    private readonly PipeInputReader _reader;     // the input pipe's reader, counting what is consumed and examined

    /// <summary>Pipes over <paramref name="stream"/>, the socket's own byte stream, capped by <paramref name="options"/>; events go to <paramref name="host"/>.</summary>
    /// <param name="host">The connection above.</param>
    /// <param name="socket">The connected socket.</param>
    /// <param name="options">The pipe thresholds (<see cref="ConnectionOptions.MaxReadBufferSize"/>, <see cref="ConnectionOptions.MaxPendingSendBytes"/>) and linger.</param>
    /// <param name="time">The clock for the counters.</param>
    /// <param name="stream">The socket's byte stream on its transport.</param>
    /// <param name="inlineScheduling">Run pipe continuations on the thread that completes them (the epoll loop's, or as asked by <see cref="ConnectionOptions.UnsafePreferInlineScheduling"/>).</param>
    public PipesEngine(IConnectionEvents host, Socket socket, ConnectionOptions options, TimeProvider time, ISocketStream stream, bool inlineScheduling)
        : base(host, socket, time)
    {
        _socketStream = stream;
        _stream = stream;
        PipeScheduler scheduler = inlineScheduling ? PipeScheduler.Inline : PipeScheduler.ThreadPool;
        _input = NewPipe(scheduler, options.MaxReadBufferSize);
        _output = NewPipe(scheduler, options.MaxPendingSendBytes);
        _reader = new PipeInputReader(this, _input.Reader);
    }

    public override PipeReader Input => _reader;

    public override PipeWriter Output => _output.Writer;

    public override SendGate SendLock => _sendLock;

    public override object? ReaderSlot { get; set; }

    public override Connections.WriteRefusal TryWrite<TState>(Action<System.Buffers.IBufferWriter<byte>, TState> write, TState state) =>
        Volatile.Read(ref _completeOutput) is not null ? Connections.WriteRefusal.Closed : (_tryWriter ??= new PipeTryWriter(_sendLock, _output.Writer)).TryWrite(write, state);

    public override void Start()
    {
        _receivePump = ReceivePumpAsync();
        _sendPump = SendPumpAsync();
        _ = ReleaseWhenPumpsEndAsync();
    }

    public override ValueTask<int> ReceivePreambleAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        _socketStream.ReceivePreambleAsync(buffer, cancellationToken);

    public override void Unregister() => _socketStream.Unregister();

    public override Task CompleteOutputAsync(bool first)
    {
        if (first)
        {
            _completeOutput = CompleteOutputCoreAsync();
        }

        return Volatile.Read(ref _completeOutput) ?? _sendPump;
    }

    public override Task WhenClosed(Task completeOutput, Task closed) => Task.WhenAll(completeOutput, _receivePump, _sendPump);

    public override void OnStopRequested(bool idle)
    {
        if (idle)
        {
            _input.Reader.CancelPendingRead();
        }
    }

    protected override void OnDiscardInput()
    {
        _input.Writer.CancelPendingFlush();
        _input.Reader.CancelPendingRead();
        _room.Signal(); // a pump waiting for the reader's room stops waiting: it discards now
    }

    protected override void OnAbort()
    {
        // Close(0) is .NET's abortive close: with operations pending it still resets (a plain Dispose may first shutdown()
        // to unblock them, which would send FIN before the RST).
        SocketConfigurator.SetAbortiveLinger(Socket);
        _socketStream.Unregister();
        Socket.Close(0);
        _socketStream.OnSocketClosed();
        _input.Writer.CancelPendingFlush();
        _output.Reader.CancelPendingRead();
        _room.Close();
        ReleaseSocket();
    }

    /// <summary>A pipe that pauses its writer at <paramref name="cap"/> bytes and resumes it at half.</summary>
    private static Pipe NewPipe(PipeScheduler scheduler, int cap) => new(new PipeOptions(
        readerScheduler: scheduler,
        writerScheduler: scheduler,
        pauseWriterThreshold: cap,
        resumeWriterThreshold: cap / 2,
        useSynchronizationContext: false));

    private async Task CompleteOutputCoreAsync()
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _output.Writer.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }

        await _sendPump.ConfigureAwait(false);
    }

    private async Task ReleaseWhenPumpsEndAsync()
    {
        await Task.WhenAll(_receivePump, _sendPump).ConfigureAwait(false);
        ReleaseSocket();
    }

    private void ReleaseSocket()
    {
        if (_socketStream.ClosesOnLoopThread && Options.Linger > TimeSpan.Zero && !IsAborted)
        {
            // close() with SO_LINGER > 0 blocks until the data is sent or the linger runs out, and here it would run on an
            // epoll loop thread, stalling every connection of that loop: close on the thread pool instead.
            _socketStream.Unregister();
            ThreadPool.UnsafeQueueUserWorkItem(static e => e.ReleaseSocketCore(), this, preferLocal: false);
            return;
        }

        ReleaseSocketCore();
    }

    /// <summary>Both directions are finished (or the socket was aborted): nothing unread remains, so close() sends no RST.</summary>
    private void ReleaseSocketCore()
    {
        _stream.Close();
        _socketStream.Unregister();
        Socket.Dispose();
        ReleaseAccount();
        _socketStream.OnSocketClosed();
        Host.OnReleased();
    }
}
