using System.Buffers;
using System.IO.Pipelines;
using Synack.Cli.Common;
using Synack.Server;

namespace Synack.Cli.Serve.Services;

/// <summary>
/// Character generator (RFC 864): an endless stream of 72-character lines, each starting one character further along
/// the 95 printable ASCII characters. Input is discarded; sending stops when the peer closes or the server drains, and
/// a peer that does not read is held back by the pending-send cap (backpressure), not buffered.
/// </summary>
internal sealed class ChargenService : IService
{
    /// <summary>Characters per line, without CRLF (RFC 864's suggested 72).</summary>
    public const int LineLength = 72;

    private static readonly byte[] Pattern = Build();

    public string Name => "chargen";

    public string Summary => "RFC 864: streams 72-character lines of rotating printable ASCII until the peer closes";

    /// <summary>The line at <paramref name="index"/> (0-based), with CRLF: what a client should receive.</summary>
    public static ReadOnlyMemory<byte> Line(long index) => Pattern.AsMemory((int)(index % 95) * (LineLength + 2), LineLength + 2);

    public ConnectionHandler Create(FramingMode framing) => async connection =>
    {
        Task peerDone = DiscardInputAsync(connection.Input);
        PipeWriter output = connection.Output;
        for (long line = 0; !peerDone.IsCompleted && !connection.StopRequested.IsCancellationRequested; line += 16)
        {
            for (int i = 0; i < 16; i++)
            {
                output.Write(Line(line + i).Span);
            }

            if ((await output.FlushAsync(connection.StopRequested).ConfigureAwait(false)).IsCompleted)
            {
                break;
            }
        }

        await peerDone.ConfigureAwait(false);
    };

    private static async Task DiscardInputAsync(PipeReader input)
    {
        while (true)
        {
            ReadResult read = await input.ReadAsync().ConfigureAwait(false);
            input.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted || read.IsCanceled)
            {
                return;
            }
        }
    }

    private static byte[] Build()
    {
        // 95 lines, each 72 characters from the rotating printable set (' ' to '~') and CRLF.
        byte[] all = new byte[95 * (LineLength + 2)];
        for (int line = 0; line < 95; line++)
        {
            int at = line * (LineLength + 2);
            for (int i = 0; i < LineLength; i++)
            {
                all[at + i] = (byte)(' ' + ((line + i + 1) % 95)); // line 0 starts at '!', as in RFC 864's example
            }

            all[at + LineLength] = (byte)'\r';
            all[at + LineLength + 1] = (byte)'\n';
        }

        return all;
    }
}
