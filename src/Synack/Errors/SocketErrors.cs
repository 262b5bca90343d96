using System.Net;
using System.Net.Sockets;

namespace Synack.Errors;

/// <summary>The one mapping from platform socket errors to <see cref="ErrorKind"/>, and the factory that wraps them.</summary>
public static class SocketErrors
{
    /// <summary>Maps a platform socket error to its kind. This is the only place that does so.</summary>
    public static ErrorKind Classify(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => ErrorKind.Refused,
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown
            or SocketError.NetworkDown => ErrorKind.Unreachable,
        SocketError.TimedOut => ErrorKind.TimedOut,
        SocketError.ConnectionReset or SocketError.NetworkReset => ErrorKind.Reset,
        SocketError.Shutdown or SocketError.ConnectionAborted => ErrorKind.BrokenPipe,
        SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable => ErrorKind.AddressInUse,
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData
            or SocketError.NoRecovery => ErrorKind.NameResolution,
        SocketError.OperationAborted or SocketError.NotSocket or SocketError.NotConnected => ErrorKind.Closed,
        _ => ErrorKind.Other,
    };

    /// <summary>The human phrase for a socket error, as <c>strerror</c> would say it.</summary>
    public static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostUnreachable => "no route to host",
        SocketError.NetworkUnreachable => "network is unreachable",
        SocketError.HostDown => "host is down",
        SocketError.NetworkDown => "network is down",
        SocketError.TimedOut => "connection timed out",
        SocketError.ConnectionReset => "connection reset by peer",
        SocketError.NetworkReset => "connection reset by network",
        SocketError.Shutdown => "broken pipe",
        SocketError.ConnectionAborted => "connection aborted",
        SocketError.AddressAlreadyInUse => "address already in use",
        SocketError.AddressNotAvailable => "cannot assign requested address",
        SocketError.HostNotFound => "no such host",
        SocketError.TryAgain => "temporary failure in name resolution",
        SocketError.NoData => "no address associated with the name",
        SocketError.OperationAborted => "operation aborted: the socket was closed",
        SocketError.TooManyOpenSockets => "too many open files",
        _ => error.ToString(),
    };

    /// <summary>Wraps a <see cref="SocketException"/> (or returns an existing <see cref="SynackException"/>) with context.</summary>
    public static SynackException Wrap(Exception exception, string operation, EndPoint? local = null, EndPoint? remote = null) =>
        Wrap(exception, operation, local, remote, metrics: null);

    /// <summary>Builds the exception for a socket error code.</summary>
    public static SynackException FromSocketError(SocketError error, string operation, EndPoint? local = null, EndPoint? remote = null, Exception? inner = null) =>
        FromSocketError(error, operation, local, remote, inner, metrics: null);

    /// <summary><see cref="Wrap(Exception, string, EndPoint?, EndPoint?)"/> for one connection, whose group tags the error's count.</summary>
    internal static SynackException Wrap(Exception exception, string operation, EndPoint? local, EndPoint? remote, Diagnostics.ConnectionMetrics? metrics) => exception switch
    {
        SynackException synack => synack,
        SocketException socket => FromSocketError(socket.SocketErrorCode, operation, local, remote, socket, metrics),
        ObjectDisposedException => new SynackException(ErrorKind.Closed, operation, "connection closed", local, remote, SocketError.OperationAborted, exception, metrics),
        IOException { InnerException: SocketException inner } => FromSocketError(inner.SocketErrorCode, operation, local, remote, exception, metrics),
        _ => new SynackException(ErrorKind.Other, operation, exception.Message, local, remote, SocketError.SocketError, exception, metrics),
    };

    private static SynackException FromSocketError(SocketError error, string operation, EndPoint? local, EndPoint? remote, Exception? inner, Diagnostics.ConnectionMetrics? metrics) =>
        new(Classify(error), operation, Describe(error), local, remote, error, inner, metrics);
}
