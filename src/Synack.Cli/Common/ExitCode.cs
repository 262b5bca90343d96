using Synack.Errors;

namespace Synack.Cli.Common;

/// <summary>
/// Process exit codes. Scripts can tell the classic connect failures apart without parsing text: refused, timed out,
/// reset and name resolution each have their own code (the numbering is Synack's; 0/1/2 follow the shell convention of
/// success / failure / usage error).
/// </summary>
internal enum ExitCode
{
    /// <summary>Success.</summary>
    Ok = 0,

    /// <summary>A failure with no more specific code.</summary>
    Failure = 1,

    /// <summary>Bad command-line input: unknown option or service, malformed endpoint, out-of-range value.</summary>
    Usage = 2,

    /// <summary>Connection refused: nothing listens on that port.</summary>
    Refused = 3,

    /// <summary>A connect or I/O deadline passed.</summary>
    TimedOut = 4,

    /// <summary>The peer reset the connection (or the pipe broke).</summary>
    Reset = 5,

    /// <summary>The host name did not resolve.</summary>
    NameResolution = 6,

    /// <summary>No route to the host or network.</summary>
    Unreachable = 7,

    /// <summary>The local address is taken (serve) or cannot be bound.</summary>
    AddressInUse = 8,

    /// <summary>The peer sent malformed, oversize or truncated frames.</summary>
    BadPeerData = 9,
}

/// <summary>Maps error kinds to exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>The exit code for a failure of this kind.</summary>
    public static ExitCode For(ErrorKind kind) => kind switch
    {
        ErrorKind.Refused => ExitCode.Refused,
        ErrorKind.TimedOut => ExitCode.TimedOut,
        ErrorKind.Reset or ErrorKind.BrokenPipe => ExitCode.Reset,
        ErrorKind.NameResolution => ExitCode.NameResolution,
        ErrorKind.Unreachable => ExitCode.Unreachable,
        ErrorKind.AddressInUse => ExitCode.AddressInUse,
        ErrorKind.ProtocolError or ErrorKind.LimitExceeded or ErrorKind.TruncatedFrame => ExitCode.BadPeerData,
        _ => ExitCode.Failure,
    };
}
