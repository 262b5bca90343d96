using System.Net;
using System.Net.Sockets;

namespace Synack.Errors;

/// <summary>
/// The one exception type Synack throws for network and protocol failures. It carries the operation,
/// the endpoints, the platform <see cref="SocketError"/> (if any) and a classified <see cref="Kind"/>,
/// and its message reads like <c>connect tcp 127.0.0.1:1 : connection refused (no server is listening; retry with backoff)</c>.
/// </summary>
/// <remarks>
/// Modeled on Go's <c>net.OpError</c>. Derives from <see cref="IOException"/> so code written against
/// <see cref="System.IO.Stream"/> keeps working. Cancellation is not an error: a cancelled operation throws
/// <see cref="OperationCanceledException"/> as everywhere in .NET.
/// </remarks>
public sealed class SynackException : IOException
{
    private int _uncounted;

    /// <summary>Creates an exception; prefer the static factories, which fill in the explanation.</summary>
    /// <param name="kind">The classified failure.</param>
    /// <param name="operation">The operation that failed: <c>connect</c>, <c>read</c>, <c>write</c>, <c>listen</c>, <c>accept</c>, <c>resolve</c>, <c>decode</c>, <c>close</c>.</param>
    /// <param name="detail">What happened, without the operation or endpoints (for example <c>connection refused</c>).</param>
    /// <param name="localEndPoint">The local endpoint, when known.</param>
    /// <param name="remoteEndPoint">The remote endpoint, when known.</param>
    /// <param name="socketError">The platform error, or <see cref="System.Net.Sockets.SocketError.Success"/> when none applies.</param>
    /// <param name="innerException">The original exception, if any.</param>
    public SynackException(
        ErrorKind kind,
        string operation,
        string detail,
        EndPoint? localEndPoint = null,
        EndPoint? remoteEndPoint = null,
        SocketError socketError = SocketError.Success,
        Exception? innerException = null)
        : this(kind, operation, detail, localEndPoint, remoteEndPoint, socketError, innerException, metrics: null)
    {
    }

    /// <summary>
    /// An exception raised for one connection: <paramref name="metrics"/> (the connection's group) tags its count in
    /// <c>synack.errors</c> like the connection instruments (issue 15).
    /// </summary>
    internal SynackException(
        ErrorKind kind,
        string operation,
        string detail,
        EndPoint? localEndPoint,
        EndPoint? remoteEndPoint,
        SocketError socketError,
        Exception? innerException,
        Diagnostics.ConnectionMetrics? metrics)
        : base(Format(kind, operation, detail, localEndPoint, remoteEndPoint), innerException)
    {
        Kind = kind;
        Operation = operation;
        Detail = detail;
        LocalEndPoint = localEndPoint;
        RemoteEndPoint = remoteEndPoint;
        SocketError = socketError;
        // One failure, one count (issue 15: an oversize line counted twice). An error that wraps another SynackException
        // (the endpoints added to a decode error, a read that carries it) is the same failure: counted once, by whichever
        // of the two first knows whose it is. A codec's error knows no connection: it waits for the one that claims it.
        bool knowsWhose = metrics is not null || localEndPoint is not null || remoteEndPoint is not null;
        if (innerException is SynackException inner ? inner.TakeUncounted() : true)
        {
            if (knowsWhose)
            {
                Count(metrics);
            }
            else
            {
                _uncounted = 1;
            }
        }
    }

    /// <summary>The classified failure.</summary>
    public ErrorKind Kind { get; }

    /// <summary>
    /// Counts this failure for <paramref name="metrics"/>' connection if nothing counted it yet: a codec's error, raised
    /// with no connection, is counted by the connection whose handler it ended.
    /// </summary>
    internal void CountFor(Diagnostics.ConnectionMetrics metrics)
    {
        if (TakeUncounted())
        {
            Count(metrics);
        }
    }

    private bool TakeUncounted() => Interlocked.Exchange(ref _uncounted, 0) == 1;

    /// <summary>Counts this failure, tagged with its connection's group, or else with the side its operation implies.</summary>
    private void Count(Diagnostics.ConnectionMetrics? metrics)
    {
        if (Kind == ErrorKind.Closed)
        {
            return; // this side closed first: not an error
        }

        string? side = Operation switch
        {
            "connect" or "resolve" => "client",
            "listen" or "accept" => "server",
            _ => null,
        };
        metrics ??= side switch
        {
            "client" when RemoteEndPoint is not null => Diagnostics.ConnectionMetrics.For(server: false, RemoteEndPoint, RemoteEndPoint),
            "server" when LocalEndPoint is not null => Diagnostics.ConnectionMetrics.For(server: true, LocalEndPoint, LocalEndPoint),
            _ => null,
        };
        Diagnostics.SynackMetrics.Error(Kind.ToString(), Operation, metrics, side);
    }

    /// <summary>The operation that failed (<c>connect</c>, <c>read</c>, <c>write</c>, ...).</summary>
    public string Operation { get; }

    /// <summary>What happened, without operation, endpoints or advice.</summary>
    public string Detail { get; }

    /// <summary>The local endpoint, when known.</summary>
    public EndPoint? LocalEndPoint { get; }

    /// <summary>The remote endpoint, when known.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The platform socket error, or <see cref="System.Net.Sockets.SocketError.Success"/> when the failure is not a socket error.</summary>
    public SocketError SocketError { get; }

    /// <summary>True when retrying the same operation later may succeed (refused, unreachable, timed out, reset, name resolution).</summary>
    public bool IsTransient => Kind is ErrorKind.Refused or ErrorKind.Unreachable or ErrorKind.TimedOut
        or ErrorKind.Reset or ErrorKind.NameResolution or ErrorKind.BrokenPipe or ErrorKind.NotConnected;

    /// <summary>True when the peer or the network ended the connection abruptly (reset or broken pipe).</summary>
    public bool IsConnectionLost => Kind is ErrorKind.Reset or ErrorKind.BrokenPipe;

    /// <summary>True when the peer's bytes were at fault (malformed, oversize or truncated frame).</summary>
    public bool IsPeerMisbehaving => Kind is ErrorKind.ProtocolError or ErrorKind.LimitExceeded or ErrorKind.TruncatedFrame or ErrorKind.Tls;

    /// <summary>Builds an exception for a malformed frame from the peer.</summary>
    public static SynackException Protocol(string detail, EndPoint? local = null, EndPoint? remote = null) =>
        new(ErrorKind.ProtocolError, "decode", detail, local, remote);

    /// <summary>Builds an exception for an exceeded limit (frame or line length, buffer cap).</summary>
    public static SynackException Limit(string detail, EndPoint? local = null, EndPoint? remote = null) =>
        new(ErrorKind.LimitExceeded, "decode", detail, local, remote);

    /// <summary>Builds an exception for a frame cut short by end-of-stream.</summary>
    public static SynackException Truncated(long bufferedBytes, EndPoint? local = null, EndPoint? remote = null) =>
        new(ErrorKind.TruncatedFrame, "decode", TruncatedDetail(bufferedBytes), local, remote);

    /// <summary>What <see cref="Truncated"/> says.</summary>
    internal static string TruncatedDetail(long bufferedBytes) => $"end of stream after {bufferedBytes} byte(s) of an incomplete frame";

    /// <summary>The advice appended to messages of this kind; empty when there is none worth giving.</summary>
    public static string Advice(ErrorKind kind) => kind switch
    {
        ErrorKind.Refused => "no server is listening; retry with backoff",
        ErrorKind.Unreachable => "no route to the host; check the address, routes and firewalls",
        ErrorKind.TimedOut => "the peer or network stayed silent; retry, or raise the timeout if the peer is slow",
        ErrorKind.Reset => "the peer aborted the connection; data in flight may be lost; reconnect",
        ErrorKind.BrokenPipe => "the connection is no longer writable; reconnect",
        ErrorKind.AddressInUse => "another socket holds this address; choose another port or stop the other process",
        ErrorKind.NameResolution => "the name did not resolve; check the spelling and DNS",
        ErrorKind.Closed => "this side already closed the connection",
        ErrorKind.ProtocolError => "the peer sent malformed data; the connection was closed",
        ErrorKind.LimitExceeded => "a configured limit was exceeded; the connection was closed",
        ErrorKind.TruncatedFrame => "the peer closed in the middle of a frame",
        ErrorKind.Tls => "the TLS handshake failed; check certificates, the server name (SNI) and TLS versions",
        ErrorKind.NotConnected => "no connection is up yet; wait for it (WaitForConnectedAsync) and send again",
        _ => "",
    };

    private static string Show(EndPoint endPoint) => endPoint is DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : endPoint.ToString() ?? "?";

    private static string Format(ErrorKind kind, string operation, string detail, EndPoint? local, EndPoint? remote)
    {
        string where = (local, remote) switch
        {
            (null, null) => "",
            (null, { } r) => " " + Show(r),
            ({ } l, null) => " " + Show(l),
            ({ } l, { } r) => $" {Show(l)}->{Show(r)}",
        };
        string advice = Advice(kind);
        string network = local is System.Net.Sockets.UnixDomainSocketEndPoint || remote is System.Net.Sockets.UnixDomainSocketEndPoint ? "unix" : "tcp";
        return advice.Length == 0
            ? $"{operation} {network}{where} : {detail}"
            : $"{operation} {network}{where} : {detail} ({advice})";
    }
}
