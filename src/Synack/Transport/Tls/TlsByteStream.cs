using System.Buffers;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using Synack.Transport.Pipes;

namespace Synack.Transport.Tls;

/// <summary>
/// TLS as an adapter over any engine's byte stream (as Pipelines.Sockets.Unofficial's StreamConnection adapts a stream):
/// the pumps read and write plaintext through an authenticated <see cref="SslStream"/> whose inner stream is the socket's
/// own (<see cref="ISocketStream.AsStream"/>), so TLS runs on the runtime's sockets and on epoll alike. The handshake is
/// <see cref="PipesEngine.StartTlsAsync"/>. Reads and the close_notify are kept apart by <paramref name="fence"/> (see
/// <see cref="TlsShutdownFence"/>): SslStream sends close_notify outside the lock it reads under.
/// </summary>
internal sealed class TlsByteStream(SslStream ssl, ISocketStream inner, TlsShutdownFence fence) : IByteStream
{
    /// <summary>The negotiated protocol.</summary>
    public SslProtocols Protocol => ssl.SslProtocol;

    /// <summary>The server name the client asked for (SNI).</summary>
    public string ServerName => ssl.TargetHostName;

    /// <summary>
    /// Loads, at server start, what the close path of a TLS connection needs (System.Net.Security), so that no
    /// connection's release ever loads an assembly, which needs a free descriptor (issue 14, problem 1).
    /// </summary>
    public static void WarmReleasePath() => RuntimeHelpers.RunClassConstructor(typeof(SslStream).TypeHandle);

    /// <summary>Never waits first: a read may be satisfied from SslStream's own buffer, so TLS reads go straight in.</summary>
    public ValueTask<int> WaitForInputAsync() => default;

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer)
    {
        fence.EnterRead();
        ValueTask<int> reading;
        try
        {
            reading = ssl.ReadAsync(buffer);
        }
        catch
        {
            fence.ExitRead();
            throw;
        }

        if (!reading.IsCompleted)
        {
            return AwaitReadAsync(reading);
        }

        fence.ExitRead();
        return reading;
    }

    public ValueTask SendAsync(ReadOnlySequence<byte> buffer, ConnectionEngine engine) =>
        buffer.IsSingleSegment ? SendAllAsync(buffer.First, engine) : SendSegmentsAsync(buffer, engine);

    /// <summary>Sends close_notify before the FIN, so the peer can tell a clean end from a truncation attack.</summary>
    public async Task ShutdownOutputAsync()
    {
        try
        {
            await fence.RunExclusive(ssl.ShutdownAsync).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer is gone already; the FIN (or the reset) says the rest.
        }
    }

    public void EndSending() => inner.EndSending();

    public void Close() => ssl.Dispose();

    // Pooled: every TLS read that waits for the next record comes here, and an unpooled box per wait was most of the 544 B
    // a 32-byte TLS echo allocated per round trip (TlsAllocationTests).
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> AwaitReadAsync(ValueTask<int> reading)
    {
        try
        {
            return await reading.ConfigureAwait(false);
        }
        finally
        {
            fence.ExitRead();
        }
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> data, ConnectionEngine engine)
    {
        engine.OnSendBlocked(); // SslStream gives no "would block": count the write as blocked until it returns
        await ssl.WriteAsync(data).ConfigureAwait(false);
        engine.OnSent(data.Length);
    }

    private async ValueTask SendSegmentsAsync(ReadOnlySequence<byte> buffer, ConnectionEngine engine)
    {
        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            await SendAllAsync(segment, engine).ConfigureAwait(false);
        }
    }
}
