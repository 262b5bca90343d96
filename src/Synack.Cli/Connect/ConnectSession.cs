using System.Buffers;
using System.IO.Pipelines;
using Synack.Cli.Common;
using Synack.Connections;
using Synack.Framing;

namespace Synack.Cli.Connect;

/// <summary>
/// One netcat session over an open connection, whichever side opened it (<c>connect</c> dials, <c>connect --listen</c>
/// accepts):
/// <code>
///  stdin ──► socket      until stdin ends, then shutdown(SHUT_WR): the peer sees EOF, we keep reading
///  socket ──► stdout     until the peer's FIN; then close and exit 0
///  Ctrl-C                graceful close: FIN, the peer's last bytes are still printed until its FIN (never a reset)
/// </code>
/// With <c>--framing length</c> each stdin line is sent as one length-prefixed frame and each received frame is
/// printed as one line.
/// </summary>
internal static class ConnectSession
{
    /// <summary>Runs the session to its end; returns the exit code.</summary>
    public static async Task<int> RunAsync(CliConsole console, Connection connection, FramingMode framing, CancellationToken stop)
    {
        var codec = FramingModes.Codec(framing);
        Task upload = framing == FramingMode.Length ? UploadLinesAsFramesAsync(console, connection, codec!.Value.Encoder) : UploadAsync(console, connection);
        Task download = framing == FramingMode.Length ? DownloadFramesAsync(console, connection, codec!.Value.Decoder) : DownloadAsync(console, connection);

        try
        {
            await download.WaitAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl-C: the user is done sending, not asking to throw away what is in flight. A reset would drop our unsent
            // bytes and tell the peer something failed. Instead: FIN (the peer sees end of stream), print what it still
            // sends until its FIN, for as long as a graceful close waits (CloseTimeout), then close. A second Ctrl-C is
            // not intercepted and ends the process at once.
            await connection.CompleteOutputAsync().ConfigureAwait(false);
            try
            {
                await download.WaitAsync(connection.Options.CloseTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // the peer kept the connection open: CloseAsync below ends it (reset only after its own timeout)
            }

            await connection.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            return (int)ExitCode.Ok;
        }

        if (upload.IsFaulted)
        {
            await upload.ConfigureAwait(false); // report a send failure (reset while uploading) with its own code
        }

        // The peer finished. If stdin has not ended yet there is nobody left to send to: stop like netcat -N does.
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
            if (read.IsCompleted || read.IsCanceled) // canceled: a local close took over the input
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
