using System.Net;
using System.Net.Sockets;
using Synack.Errors;

namespace Synack.Transport;

/// <summary>
/// Listening on Unix domain sockets (AF_UNIX, SOCK_STREAM) and the socket file's lifecycle: bind fails with EADDRINUSE
/// while a file exists at the path, even one left by a crashed server, so a stale socket is replaced, a live one is not,
/// and nothing else is ever deleted. The same rule as systemd's and Go's <c>net.Listen("unix")</c> users apply by hand.
/// </summary>
/// <remarks>
/// <code>
///  path absent ─────────────────────────────────────────────► bind
///  path is a socket ── connect() refused (nobody listens) ──► unlink, bind
///                   └─ connect() succeeds ──────────────────► AddressInUse (a live server owns it)
///  path is anything else (file, directory) ─────────────────► AddressInUse (never deleted)
/// </code>
/// Abstract-namespace paths (leading NUL, Linux) have no file and skip all of this.
/// </remarks>
internal static partial class UnixSocketFile
{
    /// <summary>Removes a stale socket file at <paramref name="endPoint"/> and returns a fresh socket to bind there.</summary>
    /// <exception cref="SynackException"><see cref="ErrorKind.AddressInUse"/> when a live server listens there.</exception>
    public static Socket PrepareToBind(UnixDomainSocketEndPoint endPoint)
    {
        string? path = FilePath(endPoint);
        if (path is not null && IsSocket(path))
        {
            RemoveIfStale(endPoint, path);
        }

        return new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    }

    /// <summary>The file-system path, or null for the abstract namespace.</summary>
    private static string? FilePath(UnixDomainSocketEndPoint endPoint)
    {
        string path = endPoint.ToString();
        return path.Length == 0 || path[0] is '\0' or '@' ? null : path;
    }

    private static void RemoveIfStale(UnixDomainSocketEndPoint endPoint, string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(endPoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            File.Delete(path); // a socket file nobody listens on: left by a server that did not clean up
            return;
        }
        catch (SocketException)
        {
            return; // no permission, or something odd: not ours to touch; bind reports the conflict
        }

        throw new SynackException(ErrorKind.AddressInUse, "listen", "a server is already listening on this socket file", endPoint, null,
            SocketError.AddressAlreadyInUse);
    }
}
