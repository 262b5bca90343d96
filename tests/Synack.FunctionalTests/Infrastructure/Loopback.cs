using System.Net;
using System.Net.Sockets;
using Synack.Connections;
using Synack.Server;

namespace Synack.FunctionalTests.Infrastructure;

/// <summary>Helpers for tests over real loopback sockets: servers on port 0, raw peers, generous waits.</summary>
internal static class Loopback
{
    /// <summary>The bound for any real-time wait in a test: generous, so a busy 2-core CI machine never flakes.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>The handler most tests need: echoes each line until the peer's FIN.</summary>
    public static readonly ConnectionHandler LineEcho = async c =>
    {
        while (await c.ReadLineAsync() is { } line)
        {
            await c.SendLineAsync(line);
        }
    };

    public static SynackServer StartServer(ConnectionHandler handler, Action<ServerOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new ServerOptions().Listen(IPAddress.Loopback, 0);
        configure?.Invoke(options);
        return SynackServer.Start(options, handler, time);
    }

    /// <summary>An inline handler's server on port 0 over <paramref name="transport"/>, for tests run on both transports.</summary>
    public static SynackServer StartServer(IInlineHandler handler, SynackTransport transport, Action<ServerOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new ServerOptions().Listen(IPAddress.Loopback, 0);
        options.Transport = transport;
        configure?.Invoke(options);
        return SynackServer.Start(options, handler, time);
    }

    public static IPEndPoint EndPoint(this SynackServer server) => (IPEndPoint)server.LocalEndPoints[0];

    /// <summary>A plain socket connected to <paramref name="endPoint"/>: the "other side" whose view of the wire we assert.</summary>
    public static async Task<Socket> ConnectRawAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint).WaitAsync(Patience);
        return socket;
    }

    /// <summary>Reads until end-of-stream; throws SocketException on reset.</summary>
    public static async Task<byte[]> ReadToEndAsync(this Socket socket)
    {
        var all = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(Patience)) > 0)
        {
            all.Write(buffer, 0, n);
        }

        return all.ToArray();
    }

    /// <summary>Reads until end-of-stream or a reset, whichever ends the connection: the bytes that came before it.</summary>
    public static async Task<byte[]> ReadToEndOrResetAsync(this Socket socket)
    {
        var all = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(Patience)) > 0)
            {
                all.Write(buffer, 0, n);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }

        return all.ToArray();
    }

    /// <summary>
    /// <paramref name="clients"/> raw clients each stream <paramref name="size"/> random bytes to an echo server in 64 KiB
    /// sends, half-close, and check that exactly their bytes came back, in order.
    /// </summary>
    public static Task StreamThroughEchoAsync(IPEndPoint endPoint, int clients, int size)
    {
        async Task OneClientAsync(int seed)
        {
            byte[] data = new byte[size];
            new Random(seed).NextBytes(data);
            using Socket socket = await ConnectRawAsync(endPoint);
            Task<byte[]> echoed = socket.ReadToEndAsync();
            for (int offset = 0; offset < size; offset += 64 * 1024)
            {
                await socket.SendAsync(data.AsMemory(offset, Math.Min(64 * 1024, size - offset)));
            }

            socket.Shutdown(SocketShutdown.Send);
            byte[] back = await echoed;
            Assert.True(data.AsSpan().SequenceEqual(back), $"client {seed}: the echo differs");
        }

        return Task.WhenAll(Enumerable.Range(0, clients).Select(OneClientAsync)).Within();
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes or fails.</summary>
    public static async Task<byte[]> ReadExactlyAsync(this Socket socket, int count)
    {
        byte[] result = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = await socket.ReceiveAsync(result.AsMemory(read), SocketFlags.None).AsTask().WaitAsync(Patience);
            if (n == 0)
            {
                throw new EndOfStreamException($"EOF after {read} of {count} bytes");
            }

            read += n;
        }

        return result;
    }

    /// <summary>Sends RST: SO_LINGER 0 then close.</summary>
    public static void Reset(this Socket socket)
    {
        socket.Close(0);
    }

    /// <summary>A free loopback port with nothing listening on it (bound, then released).</summary>
    public static int UnusedPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Patience);

    /// <summary>
    /// For tests that need something only some machines have (root, HAProxy): call it, then return, when the
    /// prerequisite is missing. Under CI (CI=true, as CI runs .ci/run) it fails the test instead, so CI never passes by skipping.
    /// </summary>
    public static void SkipUnlessCi(string prerequisite) =>
        Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"{prerequisite} is required under CI");

    /// <summary>Reads a connection's input until the peer's FIN and returns all of it.</summary>
    public static async Task<byte[]> ReadAllInputAsync(this Connection connection)
    {
        var all = new MemoryStream();
        while (true)
        {
            System.IO.Pipelines.ReadResult read = await connection.Input.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in read.Buffer)
            {
                all.Write(segment.Span);
            }

            connection.Input.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return all.ToArray();
            }
        }
    }

    /// <summary>Waits (bounded by <see cref="Patience"/>) for a state change that has no event of its own.</summary>
    public static async Task Until(Func<bool> condition)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < Patience, "condition not reached");
            await Task.Delay(1);
        }
    }

    public static Task Within(this Task task) => task.WaitAsync(Patience);

    public static Task<T> Within<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Patience);

    public static Task Within(this ValueTask task) => task.AsTask().WaitAsync(Patience);

    /// <summary>Waits for the connection's end and returns its reason.</summary>
    public static Task<CloseReason> ClosedWithin(this Connection connection) => connection.Closed.WaitAsync(Patience);
}

/// <summary>
/// A listener whose accept queue is full, so the kernel drops further SYNs: connects to it hang until they time out.
/// This is how a black-holed or firewalled host looks from the client, reproduced on loopback.
/// </summary>
internal sealed class BlackHole : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _fillers = new();

    public BlackHole()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(0);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        // Linux queues backlog + 1 connections; fill the queue, never accept.
        var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        filler.Connect(EndPoint);
        _fillers.Add(filler);
    }

    public IPEndPoint EndPoint { get; }

    public void Dispose()
    {
        _fillers.ForEach(f => f.Dispose());
        _listener.Dispose();
    }
}
