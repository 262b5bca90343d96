using System.Globalization;
using System.Text;
using Synack.Cli.Common;
using Synack.Server;

namespace Synack.Cli.Serve.Services;

/// <summary>Daytime (RFC 867): one line with the date and time, then a graceful close.</summary>
internal sealed class DaytimeService(TimeProvider time) : IService
{
    public string Name => "daytime";

    public string Summary => "RFC 867: sends the date and time as one line, then closes";

    public ConnectionHandler Create(FramingMode framing) => async connection =>
    {
        string now = time.GetLocalNow().ToString("dddd, MMMM d, yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture);
        await connection.SendAsync(Encoding.ASCII.GetBytes(now + "\r\n")).ConfigureAwait(false);
    };
}
