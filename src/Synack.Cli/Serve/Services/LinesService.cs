using System.Globalization;
using Synack.Cli.Common;
using Synack.Server;

namespace Synack.Cli.Serve.Services;

/// <summary>
/// A line protocol to try by hand (one command per line, one reply line each):
/// <c>PING</c> → <c>PONG</c> · <c>ECHO text</c> → <c>text</c> · <c>TIME</c> → ISO 8601 UTC ·
/// <c>QUIT</c> → <c>BYE</c> and a graceful close · anything else → <c>ERR unknown command</c>. Lines are capped at 8 KiB.
/// </summary>
internal sealed class LinesService : IService
{
    public string Name => "lines";

    public string Framing(FramingMode requested) => "line";

    public string Summary => "line protocol: PING, ECHO text, TIME, QUIT (one reply line per command)";

    public ConnectionHandler Create(FramingMode framing) => async connection =>
    {
        while (await connection.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            int space = line.IndexOf(' ');
            string verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
            string reply = verb switch
            {
                "PING" => "PONG",
                "ECHO" => space < 0 ? "" : line[(space + 1)..],
                "TIME" => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                "QUIT" => "BYE",
                _ => $"ERR unknown command '{verb}'",
            };
            await connection.SendLineAsync(reply).ConfigureAwait(false);
            if (verb == "QUIT")
            {
                return;
            }
        }
    };
}
