namespace Synack.Framing;

/// <summary>How a <see cref="LineCodec"/> terminates lines.</summary>
public enum LineEnding
{
    /// <summary>Lines end with LF; a CR just before the LF is removed, so CRLF input is accepted too. Encodes LF.</summary>
    Lf,

    /// <summary>Lines end with exactly CRLF (a bare LF is part of the line). Encodes CRLF. The Internet-protocol convention (SMTP, HTTP, RESP).</summary>
    CrLf,
}
