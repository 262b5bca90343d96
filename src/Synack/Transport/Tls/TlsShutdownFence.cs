namespace Synack.Transport.Tls;

/// <summary>
/// Keeps <see cref="System.Net.Security.SslStream.ShutdownAsync"/>'s SSL_shutdown() apart from a concurrent read's
/// SSL_read(). An OpenSSL connection object is not thread-safe. SslStream locks its own decrypt and encrypt against each
/// other, but builds the close_notify outside that lock, and the second SSL_shutdown() it makes reads from the same
/// object. A half-close while the peer's records are still being decrypted on another thread then corrupts the
/// connection. It shows as "bad record mac", "wrong version number" or SSL_ERROR_SYSCALL on the next decrypt, or as a
/// close_notify that never arrives (a hang).
/// </summary>
/// <remarks>
/// <para>Measured at stop 21 (issue 12's known bug): 1 MiB echoes with both ends on epoll, 4 at a time, failed in 3 to 8
/// of 300. They failed in none of 600 with close_notify left out. With this fence they fail in none either, close_notify
/// included (the note gives the runs). On the runtime's sockets the same race is rarer only because the timing differs.</para>
/// <para>How it works: a read holds the fence while SslStream runs its own code. That is the synchronous part of
/// <c>ReadAsync</c>, and the part after the inner read returns, where it decrypts. The read lets go while it waits on
/// the socket (<see cref="Wrap"/>'s stream). The shutdown holds the fence for the synchronous part of
/// <c>ShutdownAsync</c>: SSL_shutdown(), then the first, non-blocking send of the alert. No critical section waits on
/// I/O or runs user code, so the fence is a spin lock. It is entered once per record read and once per connection's
/// close.</para>
/// <para>A waiting shutdown goes first: a read that would enter while one waits lets it in. The bare spin lock let a
/// reader that re-entered at once starve the shutdown (TlsShutdownFenceTests' 20,000 shutdowns beside a busy reader
/// timed out after 30 s in CI, stop 23); now a shutdown waits for at most the read inside.</para>
/// </remarks>
internal sealed class TlsShutdownFence
{
    private int _held;
    private int _shutdownsWaiting; // shutdowns spinning to enter: new reads stand back until they are in
    private bool _readerInside; // a read holds the fence: its inner reads let go while they wait

    /// <summary>The stream SslStream reads and writes through: <paramref name="inner"/>, with reads that let the fence go while they wait.</summary>
    public Stream Wrap(Stream inner) => new FencedStream(inner, this);

    /// <summary>Enters the fence for a read of SslStream's (call <see cref="ExitRead"/> when its result is observed).</summary>
    public void EnterRead()
    {
        EnterAsReader();
        _readerInside = true;
    }

    /// <summary>Leaves the fence at the end of a read.</summary>
    public void ExitRead()
    {
        _readerInside = false;
        Exit();
    }

    /// <summary>Runs the synchronous part of <paramref name="shutdown"/> inside the fence, and returns the rest.</summary>
    public Task RunExclusive(Func<Task> shutdown)
    {
        Interlocked.Increment(ref _shutdownsWaiting);
        Enter();
        Interlocked.Decrement(ref _shutdownsWaiting);
        try
        {
            return shutdown();
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>True while some caller holds the fence (for tests).</summary>
    internal bool IsHeld => Volatile.Read(ref _held) != 0;

    /// <summary>True while a shutdown spins to enter (for tests).</summary>
    internal bool ShutdownWaits => Volatile.Read(ref _shutdownsWaiting) != 0;

    private void Enter()
    {
        if (Interlocked.CompareExchange(ref _held, 1, 0) == 0)
        {
            return;
        }

        SpinWait spinner = default;
        while (Interlocked.CompareExchange(ref _held, 1, 0) != 0)
        {
            spinner.SpinOnce();
        }
    }

    /// <summary>Enters for a read, first letting in any shutdown that waits.</summary>
    private void EnterAsReader()
    {
        SpinWait spinner = default;
        while (Volatile.Read(ref _shutdownsWaiting) != 0)
        {
            spinner.SpinOnce();
        }

        Enter();
    }

    private void Exit() => Volatile.Write(ref _held, 0);

    // Pooled: every TLS read that waits for the next record comes here, and an unpooled box per wait was most of the 544 B
    // a 32-byte TLS echo allocated per round trip (TlsAllocationTests).
    /// <summary>A read that will wait on the socket: the fence is let go for the wait and taken again before SslStream resumes.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> WaitOutsideAsync(ValueTask<int> pending)
    {
        Exit();
        try
        {
            return await pending.ConfigureAwait(false);
        }
        finally
        {
            EnterAsReader();
        }
    }

    private sealed class FencedStream(Stream inner, TlsShutdownFence fence) : Stream
    {
        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ValueTask<int> reading = inner.ReadAsync(buffer, cancellationToken);
            // The handshake reads outside any read of ours; only a read that holds the fence lets it go.
            return reading.IsCompleted || !fence._readerInside ? reading : fence.WaitOutsideAsync(reading);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
