namespace Synack.Framing;

/// <summary>Width of a length field.</summary>
public enum LengthFieldSize
{
    /// <summary>1 byte, unsigned (0–255).</summary>
    One = 1,

    /// <summary>2 bytes, unsigned (0–65535).</summary>
    Two = 2,

    /// <summary>4 bytes, unsigned.</summary>
    Four = 4,

    /// <summary>8 bytes, unsigned; values above <see cref="long.MaxValue"/> are rejected as negative.</summary>
    Eight = 8,

    /// <summary>Unsigned LEB128 varint as in Protocol Buffers: 7 bits per byte, high bit set on all but the last, at most 10 bytes.</summary>
    VarInt = 0,
}

/// <summary>Byte order of a fixed-width length field.</summary>
public enum ByteOrder
{
    /// <summary>Most significant byte first (network byte order).</summary>
    BigEndian,

    /// <summary>Least significant byte first.</summary>
    LittleEndian,
}

/// <summary>
/// Configuration of <see cref="LengthFieldCodec"/>, with the meaning of Netty's <c>LengthFieldBasedFrameDecoder</c>.
/// Setters validate.
/// </summary>
/// <remarks>
/// <code>
///  |&lt;- LengthFieldOffset -&gt;|&lt;- length field -&gt;|&lt;------------- value + LengthAdjustment -------------&gt;|
///  +----------------------+-----------------+----------------------------------------------------+
///  | leading header bytes |     length      |  bytes after the length field (rest of the frame)  |
///  +----------------------+-----------------+----------------------------------------------------+
///  |&lt;--------------- InitialBytesToStrip ---------------&gt;|  frame handed to the application        |
///
///  frame length on the wire = LengthFieldOffset + field width + value + LengthAdjustment
/// </code>
/// </remarks>
public sealed class LengthFieldOptions
{
    private int _offset;
    private int _adjustment;
    private int? _strip;
    private int _maxFrameLength = FrameLimits.DefaultMaxFrameLength;

    /// <summary>Bytes before the length field. Default 0; 0 to 64 KiB.</summary>
    public int LengthFieldOffset
    {
        get => _offset;
        set => _offset = Check.Range(value, 0, 64 * 1024);
    }

    /// <summary>Width of the length field. Default <see cref="LengthFieldSize.Four"/>.</summary>
    public LengthFieldSize LengthFieldSize { get; set; } = LengthFieldSize.Four;

    /// <summary>Byte order of a fixed-width field. Default <see cref="ByteOrder.BigEndian"/> (network order). Ignored for varints.</summary>
    public ByteOrder ByteOrder { get; set; } = ByteOrder.BigEndian;

    /// <summary>
    /// Added to the field's value to get the number of bytes that follow the field. Default 0. Use a negative value when the
    /// length counts the header itself (for example −4 for a 4-byte length that includes its own width). ±64 KiB.
    /// </summary>
    public int LengthAdjustment
    {
        get => _adjustment;
        set => _adjustment = Check.Range(value, -64 * 1024, 64 * 1024);
    }

    /// <summary>Bytes removed from the front of each frame before it is handed over. Default <c>null</c>: the whole header
    /// (offset + field). 0 to 64 KiB.</summary>
    public int? InitialBytesToStrip
    {
        get => _strip;
        set => _strip = Check.OptionalRange(value, 0, 64 * 1024);
    }

    /// <summary>
    /// Largest frame accepted, counted after the length field (value + <see cref="LengthAdjustment"/>: the body, for the
    /// usual layout), so "max 1 MiB" admits a 1 MiB body, as tokio's <c>LengthDelimitedCodec.max_frame_length</c> counts the
    /// decoded length without its header (Netty's <c>maxFrameLength</c> counts the header too). Default 1 MiB; 1 byte to
    /// 1 GiB. Checked from the header, before the body is buffered; the encoder refuses a larger body.
    /// </summary>
    public int MaxFrameLength
    {
        get => _maxFrameLength;
        set => _maxFrameLength = Check.Range(value, 1, 1 << 30);
    }
}
