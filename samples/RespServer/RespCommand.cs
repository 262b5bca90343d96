using System.Buffers;

namespace RespServer;

/// <summary>One command cut off the input by <see cref="RespCommandCodec"/>: its bytes, already validated, and how many
/// arguments they hold (the name included; 0 for an empty inline line). Read the arguments with <see cref="RespArguments"/>.</summary>
/// <param name="Bytes">The whole command as sent, a slice of the input (valid while the input is).</param>
/// <param name="Count">The number of arguments.</param>
/// <param name="IsInline">True for an inline command (words on a line), false for a RESP array.</param>
public readonly record struct RespCommand(ReadOnlySequence<byte> Bytes, int Count, bool IsInline)
{
    /// <summary>The command as text, for tests, logs and the fuzzer (fuzz/: "resp"): its form, count and each argument in
    /// hex, e.g. <c>array 2: 474554 6B</c>. Reads the arguments as <see cref="RespArguments"/> does.</summary>
    /// <exception cref="InvalidOperationException">RespArguments did not read <see cref="Count"/> arguments: a bug.</exception>
    public override string ToString()
    {
        var arguments = new RespArguments(Bytes.ToArray(), IsInline);
        var shown = new List<string>();
        while (arguments.TryNext(out ReadOnlySpan<byte> argument))
        {
            shown.Add(Convert.ToHexString(argument));
        }

        return shown.Count == Count
            ? $"{(IsInline ? "inline" : "array")} {Count}: {string.Join(' ', shown)}"
            : throw new InvalidOperationException($"the codec counted {Count} argument(s), RespArguments read {shown.Count}");
    }
}

/// <summary>
/// Walks the arguments of one validated command in place, without copying or allocating: a RESP array
/// (<c>*2\r\n$3\r\nGET\r\n$1\r\nk\r\n</c>) or an inline line (<c>GET k\r\n</c>: words between spaces, trailing CRs dropped).
/// </summary>
public ref struct RespArguments
{
    private readonly ReadOnlySpan<byte> _command;
    private readonly bool _inline;
    private int _position;

    /// <summary>Starts before the first argument (the name) of <paramref name="command"/>, which the codec has validated.</summary>
    public RespArguments(ReadOnlySpan<byte> command, bool inline)
    {
        _inline = inline;
        _command = inline ? command[..^1].TrimEnd((byte)'\r') : command; // the line without its "\n" and trailing CRs
        _position = inline ? 0 : command.IndexOf((byte)'\n') + 1;           // past "*N\r\n"
    }

    /// <summary>The next argument, or false after the last.</summary>
    public bool TryNext(out ReadOnlySpan<byte> argument)
    {
        argument = default;
        if (_inline)
        {
            while (_position < _command.Length && _command[_position] == (byte)' ')
            {
                _position++;
            }

            if (_position == _command.Length)
            {
                return false;
            }

            int end = _command[_position..].IndexOf((byte)' ');
            int length = end < 0 ? _command.Length - _position : end;
            argument = _command.Slice(_position, length);
            _position += length;
            return true;
        }

        if (_position >= _command.Length)
        {
            return false;
        }

        // "$<length>\r\n<bytes>\r\n": the codec has checked every header, so this only reads the digits again.
        int header = _command[_position..].IndexOf((byte)'\r');
        int size = 0;
        foreach (byte digit in _command.Slice(_position + 1, header - 1))
        {
            size = (size * 10) + (digit - '0');
        }

        int start = _position + header + 2;
        argument = _command.Slice(start, size);
        _position = start + size + 2;
        return true;
    }
}
