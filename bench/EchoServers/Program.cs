// The echo servers measured side by side with ../shared/refbench's C echo_epoll by bench/run.sh:
//   synack  PORT   Synack's SynackServer with InlineHandlers.Echo (SYNACK_HANDLER=async: the async ConnectionHandlers.Echo;
//                  SYNACK_TLS=1: TLS with a throwaway self-signed certificate (bench/tls.sh)
//                  SYNACK_HANDLER=framed: an async FrameReader/FrameWriter echo of fixed 32-byte frames, the size refbench's
//                  loadgen sends in (b) and (c): loadgen cannot frame, so a fixed-length codec stands in for a length prefix;
//                  SYNACK_HANDLER=framed-batch: the same, a whole read's frames per FrameWriter batch)
//   plain   PORT   a plain .NET Socket async echo loop (what most hand-written .NET servers look like)
//   kestrel PORT   Kestrel with a ConnectionHandler (ASP.NET Core's raw-TCP path)
//   async-client PORT CONNS PIPELINE SIZE SECONDS   an async SynackClient echo client on epoll (AsyncEchoClient.cs)
//   epoll   PORT   a managed loop driving Linux epoll directly through P/Invoke (EpollEcho.cs; mirrors echo_epoll.c)
// Each listens on 127.0.0.1:PORT, prints READY, and runs until SIGTERM/SIGINT; SIGHUP prints "HEAP <bytes>".
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Synack.Server;

if (args is ["async-client", var p, var c, var pl, var sz, var secs])
{
    return await AsyncEchoClient.RunAsync(int.Parse(p), int.Parse(c), int.Parse(pl), int.Parse(sz), double.Parse(secs, System.Globalization.CultureInfo.InvariantCulture));
}

if (args.Length != 2 || !int.TryParse(args[1], out int port) || port is < 1 or > 65535)
{
    Console.Error.WriteLine("usage: EchoServers synack|plain|kestrel PORT");
    return 2;
}

using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

// SIGHUP prints the managed heap after a full collection: bench/run.sh divides its growth by the idle connections.
using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
{
    c.Cancel = true;
    Console.WriteLine($"HEAP {GC.GetTotalMemory(forceFullCollection: true)}");
});
var endPoint = new IPEndPoint(IPAddress.Loopback, port);

switch (args[0])
{
    case "synack":
        // SYNACK_INLINE=1: ConnectionOptions.UnsafePreferInlineScheduling (the bench's "synack-inline" row sets it together
        // with the runtime's DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1, as Kestrel recommends).
        var options = new ServerOptions().Listen(endPoint);
        options.Connection.UnsafePreferInlineScheduling = Environment.GetEnvironmentVariable("SYNACK_INLINE") == "1";
        if (Environment.GetEnvironmentVariable("SYNACK_TLS") == "1")
        {
            // bench/tls.sh: TLS on this transport, with a throwaway certificate (the bench client does not verify it).
            options.Tls = new Synack.Tls.TlsServerOptions(new System.Net.Security.SslServerAuthenticationOptions { ServerCertificate = SelfSigned() });
        }
        await using (var server = Environment.GetEnvironmentVariable("SYNACK_HANDLER") switch
            {
                "async" => SynackServer.Start(options, ConnectionHandlers.Echo),
                "framed" => SynackServer.Start(options, FramedEchoAsync),
                "framed-batch" => SynackServer.Start(options, FramedBatchEchoAsync),
                _ => SynackServer.Start(options, InlineHandlers.Echo),
            })
        {
            Console.WriteLine("READY");
            await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { });
            await server.StopAsync(TimeSpan.FromSeconds(2));
        }

        return 0;
    case "plain":
        await PlainAsync(endPoint, stop.Token);
        return 0;
    case "epoll":
        EpollEcho.Run(endPoint, stop.Token);
        return 0;
    case "kestrel":
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endPoint, l => l.UseConnectionHandler<KestrelEcho>()));
        await using (var app = builder.Build())
        {
            await app.StartAsync();
            Console.WriteLine("READY");
            await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { });
            await app.StopAsync();
        }

        return 0;
    default:
        Console.Error.WriteLine($"unknown server '{args[0]}'");
        return 2;
}

// Each 32-byte frame is decoded by the FrameReader and sent back by the FrameWriter: the framed path a protocol uses.
static async Task FramedEchoAsync(Synack.Connections.Connection connection)
{
    var codec = new Synack.Framing.FixedLengthCodec(32);
    var reader = connection.CreateFrameReader(codec);
    var writer = connection.CreateFrameWriter<ReadOnlyMemory<byte>>(codec);
    while (await reader.ReadAsync())
    {
        ReadOnlySequence<byte> frame = reader.Current;
        await writer.WriteAsync(frame.IsSingleSegment ? frame.First : frame.ToArray());
    }
}

// The same echo, a whole read's frames at a time: every frame already buffered is answered in one batch (one take of
// the send lock and one flush per read, not per frame).
static async Task FramedBatchEchoAsync(Synack.Connections.Connection connection)
{
    var codec = new Synack.Framing.FixedLengthCodec(32);
    var reader = connection.CreateFrameReader(codec);
    var writer = connection.CreateFrameWriter<ReadOnlyMemory<byte>>(codec);
    while (await reader.ReadAsync())
    {
        await using Synack.Framing.FrameBatch<ReadOnlyMemory<byte>> batch = await writer.BeginBatchAsync();
        do
        {
            ReadOnlySequence<byte> frame = reader.Current;
            batch.Write(frame.IsSingleSegment ? frame.First : frame.ToArray());
        }
        while (reader.TryRead());
    }
}

// A P-256 certificate for localhost, made in memory (loaded back from PKCS#12 so that SslStream can use its key).
static System.Security.Cryptography.X509Certificates.X509Certificate2 SelfSigned()
{
    using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
    var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
    using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(
        created.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
}

static async Task PlainAsync(IPEndPoint endPoint, CancellationToken stop)
{
    using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    listener.Bind(endPoint);
    listener.Listen(512);
    Console.WriteLine("READY");
    try
    {
        while (true)
        {
            Socket socket = await listener.AcceptAsync(stop);
            socket.NoDelay = true;
            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    byte[] buffer = new byte[4096];
                    try
                    {
                        int n;
                        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                        {
                            await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
                        }
                    }
                    catch (SocketException)
                    {
                    }
                }
            });
        }
    }
    catch (OperationCanceledException)
    {
    }
}

internal sealed class KestrelEcho : Microsoft.AspNetCore.Connections.ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        PipeReader input = connection.Transport.Input;
        PipeWriter output = connection.Transport.Output;
        while (true)
        {
            ReadResult read = await input.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in read.Buffer)
            {
                output.Write(segment.Span);
            }

            input.AdvanceTo(read.Buffer.End);
            FlushResult flush = await output.FlushAsync();
            if (read.IsCompleted || flush.IsCompleted)
            {
                return;
            }
        }
    }
}

