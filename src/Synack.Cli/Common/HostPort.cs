using System.Globalization;
using System.Net;

namespace Synack.Cli.Common;

/// <summary>
/// A <c>HOST:PORT</c> argument: <c>example.com:7</c>, <c>127.0.0.1:7007</c>, <c>[::1]:7007</c>. A bare IPv6 address
/// needs brackets, because its colons would make the port ambiguous. Where a command also takes Unix domain sockets,
/// <c>unix:PATH</c> names one (as socat and HAProxy write it).
/// </summary>
/// <param name="Host">Name or address literal (without brackets).</param>
/// <param name="Port">0 – 65535.</param>
internal readonly record struct HostPort(string Host, int Port)
{
    /// <summary>Parses the argument or throws <see cref="UsageException"/> with a line that says what is wrong.</summary>
    public static HostPort Parse(string text)
    {
        string host;
        string port;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                throw new UsageException($"malformed endpoint '{text}': expected [IPv6]:PORT, e.g. [::1]:7007");
            }

            host = text[1..close];
            port = text[(close + 2)..];
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon <= 0 || text.IndexOf(':') != colon)
            {
                throw new UsageException(colon > 0
                    ? $"malformed endpoint '{text}': put an IPv6 address in brackets, e.g. [::1]:7007"
                    : $"malformed endpoint '{text}': expected HOST:PORT, e.g. 127.0.0.1:7007");
            }

            host = text[..colon];
            port = text[(colon + 1)..];
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value > 65535)
        {
            throw new UsageException($"malformed endpoint '{text}': port '{port}' is not a number from 0 to 65535");
        }

        return new HostPort(host, value);
    }

    /// <summary>A listen argument: <c>unix:PATH</c> or <c>HOST:PORT</c> with an address literal.</summary>
    public static EndPoint ParseListen(string text)
    {
        try
        {
            return Synack.Server.ListenAddress.Parse(text);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>A connect argument: <c>unix:PATH</c>, or <c>HOST:PORT</c> as a <see cref="DnsEndPoint"/> (resolved when connecting).</summary>
    public static EndPoint ParseConnect(string text)
    {
        if (text.StartsWith(Synack.Server.ListenAddress.UnixPrefix, StringComparison.Ordinal))
        {
            return ParseListen(text); // a socket path reads the same for listen and connect
        }

        HostPort target = Parse(text);
        return target.Port == 0
            ? throw new UsageException($"malformed endpoint '{text}': port 0 cannot be connected to")
            : new DnsEndPoint(target.Host, target.Port);
    }

    /// <summary>Shows an endpoint as the user would type it.</summary>
    public static string Show(EndPoint endPoint) => endPoint is DnsEndPoint dns
        ? new HostPort(dns.Host, dns.Port).ToString()
        : Synack.Server.ListenAddress.Format(endPoint);

    /// <inheritdoc/>
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
