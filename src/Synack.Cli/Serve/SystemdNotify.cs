using System.Net.Sockets;
using System.Text;

namespace Synack.Cli.Serve;

/// <summary>
/// sd_notify(3) for <c>synack serve</c>: when systemd (or anything else) set <c>NOTIFY_SOCKET</c>, one datagram per state
/// change to that Unix datagram socket, <c>READY=1</c> once every listener accepts and <c>STOPPING=1</c> when the drain
/// starts. A name starting with <c>@</c> is in the abstract namespace. Hosted apps get the same from
/// Microsoft.Extensions.Hosting.Systemd's <c>UseSystemd()</c> (see docs/systemd.md); this is the CLI's, which has no host.
/// </summary>
/// <remarks>A notification that cannot be sent is dropped, as sd_notify's caller usually ignores its result: the service runs on.</remarks>
internal sealed class SystemdNotify : IDisposable
{
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _target;

    private SystemdNotify(string address)
    {
        _target = new UnixDomainSocketEndPoint(address[0] == '@' ? "\0" + address[1..] : address);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>A notifier for <c>NOTIFY_SOCKET</c>, or null when it is unset (not run by a service manager that listens).</summary>
    public static SystemdNotify? FromEnvironment() =>
        Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is { Length: > 1 } address && address[0] is '/' or '@' ? new SystemdNotify(address) : null;

    /// <summary>Sends one state, e.g. <c>READY=1</c>; false if it could not be sent.</summary>
    public bool Send(string state)
    {
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), SocketFlags.None, _target);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();
}
