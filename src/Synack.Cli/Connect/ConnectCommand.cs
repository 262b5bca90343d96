using System.Buffers;
using System.CommandLine;
using System.IO.Pipelines;
using System.Net;
using Synack.Cli.Common;
using Synack.Client;
using Synack.Connections;
using Synack.Framing;

namespace Synack.Cli.Connect;

/// <summary>
/// <c>synack connect HOST:PORT [--framing raw|line|length] [--timeout T]</c>: a netcat that half-closes.
/// </summary>
/// <remarks>
/// <code>
///  stdin ──► socket      until stdin ends, then shutdown(SHUT_WR): the server sees EOF, we keep reading
///  socket ──► stdout     until the server's FIN; then close and exit 0
/// </code>
/// With <c>--framing length</c> each stdin line is sent as one length-prefixed frame and each received frame is
/// printed as one line. Failures exit with their own code (refused 3, timed out 4, reset 5, name resolution 6).
/// </remarks>
internal static class ConnectCommand
{
    public static Command Create(CliConsole console)
    {
        var target = new Argument<string>("target") { Description = "HOST:PORT, e.g. localhost:7007 or [::1]:7007, or unix:PATH" };
        var framing = new Option<FramingMode>("--framing", "-f") { Description = "raw | line | length (default raw)" };
        var timeout = new Option<string>("--timeout", "-t") { Description = "connect timeout (default 10s)", DefaultValueFactory = _ => "10s" };
        var command = new Command("connect", "copy stdin to a TCP server and its replies to stdout; half-close at end of input")
        {
            target, framing, timeout,
        };
        command.SetAction((parsed, cancellationToken) => RunAsync(
            console,
            HostPort.ParseConnect(parsed.GetValue(target)!),
            parsed.GetValue(framing),
            Durations.Parse(parsed.GetValue(timeout)!, "--timeout"),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliConsole console, EndPoint target, FramingMode framing, TimeSpan timeout, CancellationToken stop)
    {
        var options = new ConnectOptions { ConnectTimeout = timeout }; // clients keep idle connections: a netcat may sit silent
        await using Connection connection = await SynackClient.ConnectAsync(target, options, stop).ConfigureAwait(false);
        var codec = FramingModes.Codec(framing);
        Task upload = framing == FramingMode.Length ? UploadLinesAsFramesAsync(console, connection, codec!.Value.Encoder) : UploadAsync(console, connection);
        Task download = framing == FramingMode.Length ? DownloadFramesAsync(console, connection, codec!.Value.Decoder) : DownloadAsync(console, connection);

        try
        {
            await download.WaitAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            connection.Abort(); // Ctrl-C: the user wants out now
            return (int)ExitCode.Ok;
        }

        if (upload.IsFaulted)
        {
            await upload.ConfigureAwait(false); // report a send failure (reset while uploading) with its own code
        }

        // The server finished. If stdin has not ended yet there is nobody left to send to: stop like netcat -N does.
        await connection.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        return (int)ExitCode.Ok;
    }

    private static async Task UploadAsync(CliConsole console, Connection connection)
    {
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = await console.Input.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            await connection.SendAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
        }

        await connection.CompleteOutputAsync().ConfigureAwait(false);
    }

    private static async Task UploadLinesAsFramesAsync(CliConsole console, Connection connection, IFrameEncoder<ReadOnlyMemory<byte>> encoder)
    {
        var writer = connection.CreateFrameWriter(encoder);
        var lines = new FrameReader<ReadOnlySequence<byte>>(PipeReader.Create(console.Input), new LineCodec());
        while (await lines.ReadAsync().ConfigureAwait(false))
        {
            await writer.WriteAsync(lines.Current.ToArray()).ConfigureAwait(false);
        }

        await connection.CompleteOutputAsync().ConfigureAwait(false);
    }

    private static async Task DownloadAsync(CliConsole console, Connection connection)
    {
        PipeReader input = connection.Input;
        while (true)
        {
            ReadResult read = await input.ReadAsync().ConfigureAwait(false);
            foreach (ReadOnlyMemory<byte> segment in read.Buffer)
            {
                await console.Output.WriteAsync(segment).ConfigureAwait(false);
            }

            await console.Output.FlushAsync().ConfigureAwait(false);
            input.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return;
            }
        }
    }

    private static async Task DownloadFramesAsync(CliConsole console, Connection connection, IFrameDecoder<ReadOnlySequence<byte>> decoder)
    {
        var frames = connection.CreateFrameReader(decoder);
        while (await frames.ReadAsync().ConfigureAwait(false))
        {
            foreach (ReadOnlyMemory<byte> segment in frames.Current)
            {
                await console.Output.WriteAsync(segment).ConfigureAwait(false);
            }

            console.Output.WriteByte((byte)'\n');
            await console.Output.FlushAsync().ConfigureAwait(false);
        }
    }
}
