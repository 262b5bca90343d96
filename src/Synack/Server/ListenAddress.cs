using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Synack.Server;

/// <summary>
/// Parses listen addresses as people write them in configuration files and on command lines:
/// <c>127.0.0.1:7000</c>, <c>[::1]:7000</c>, <c>[::]:7000</c> or <c>*:7000</c> (every address, dual-stack),
/// <c>localhost:7000</c> (IPv4 loopback), <c>unix:/run/app.sock</c> (a Unix domain socket, as HAProxy and socat write it),
/// and sockets handed in rather than bound (<see cref="InheritedEndPoint"/>): <c>systemd:</c> or <c>systemd:NAME</c>
/// (systemd socket activation) and <c>fd:3</c> (a descriptor inherited from the parent).
/// Host names other than <c>localhost</c> are refused: a server listens on addresses, and resolving a name at start-up
/// would make the bound address depend on DNS.
/// </summary>
public static class ListenAddress
{
    /// <summary>The prefix of a Unix domain socket address.</summary>
    public const string UnixPrefix = "unix:";

    /// <summary>The prefix of the sockets systemd passed (<c>systemd:</c> for all, <c>systemd:NAME</c> for those named).</summary>
    public const string SystemdPrefix = "systemd:";

    /// <summary>The prefix of an inherited descriptor (<c>fd:3</c>).</summary>
    public const string DescriptorPrefix = "fd:";

    /// <summary>Parses one address.</summary>
    /// <exception cref="FormatException">The text is not one of the forms above; the message says what is wrong.</exception>
    public static EndPoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.StartsWith(UnixPrefix, StringComparison.Ordinal))
        {
            string path = text[UnixPrefix.Length..];
            return path.Length is > 0 and < 108
                ? new UnixDomainSocketEndPoint(path)
                : throw new FormatException($"malformed listen address '{text}': expected unix:PATH with a path of 1 to 107 bytes");
        }

        if (text.StartsWith(SystemdPrefix, StringComparison.Ordinal))
        {
            return InheritedEndPoint.Systemd(text[SystemdPrefix.Length..]);
        }

        if (text.StartsWith(DescriptorPrefix, StringComparison.Ordinal))
        {
            return int.TryParse(text.AsSpan(DescriptorPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int fd) && fd >= SystemdSockets.FirstDescriptor
                ? InheritedEndPoint.FromDescriptor(fd)
                : throw new FormatException($"malformed listen address '{text}': expected fd:N with a descriptor of 3 or more");
        }

        (string host, string port) = Split(text);
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > 65535)
        {
            throw new FormatException($"malformed listen address '{text}': port '{port}' is not a number from 0 to 65535");
        }

        return host switch
        {
            "*" => new IPEndPoint(IPAddress.IPv6Any, number),
            "localhost" => new IPEndPoint(IPAddress.Loopback, number),
            _ when IPAddress.TryParse(host, out IPAddress? address) => new IPEndPoint(address, number),
            _ => throw new FormatException($"cannot listen on '{host}': give an address such as 127.0.0.1, [::1], * or unix:PATH"),
        };
    }

    /// <summary>Shows an endpoint the way <see cref="Parse"/> reads it.</summary>
    public static string Format(EndPoint endPoint) => endPoint switch
    {
        UnixDomainSocketEndPoint unix => UnixPrefix + unix,
        InheritedEndPoint inherited => inherited.ToString(),
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip => $"[{ip.Address}]:{ip.Port}",
        _ => endPoint.ToString() ?? "?",
    };

    private static (string Host, string Port) Split(string text)
    {
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            return close > 0 && close + 1 < text.Length && text[close + 1] == ':'
                ? (text[1..close], text[(close + 2)..])
                : throw new FormatException($"malformed listen address '{text}': expected [IPv6]:PORT, e.g. [::1]:7000");
        }

        int colon = text.LastIndexOf(':');
        return colon > 0 && text.IndexOf(':') == colon
            ? (text[..colon], text[(colon + 1)..])
            : throw new FormatException(colon > 0
                ? $"malformed listen address '{text}': put an IPv6 address in brackets, e.g. [::1]:7000"
                : $"malformed listen address '{text}': expected HOST:PORT, e.g. 127.0.0.1:7000");
    }
}
