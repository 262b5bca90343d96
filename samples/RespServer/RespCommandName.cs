using System.Text;

namespace RespServer;

/// <summary>The commands the sample answers; anything else is <c>-ERR unknown command</c>.</summary>
internal enum RespCommandName
{
    Unknown,
    Ping,
    Echo,
    Set,
    Get,
    Del,
    Incr,
    MSet,
    LPush,
    RPush,
    LPop,
    RPop,
    LRange,
    SAdd,
    SPop,
    HSet,
    HGet,
    Quit,
}

/// <summary>Recognises a command's name (case-insensitive, compared in place) and checks its number of arguments.</summary>
internal static class RespCommandNames
{
    public static RespCommandName Identify(ReadOnlySpan<byte> name) => name.Length switch
    {
        3 when Is(name, "SET"u8) => RespCommandName.Set,
        3 when Is(name, "GET"u8) => RespCommandName.Get,
        3 when Is(name, "DEL"u8) => RespCommandName.Del,
        4 when Is(name, "PING"u8) => RespCommandName.Ping,
        4 when Is(name, "ECHO"u8) => RespCommandName.Echo,
        4 when Is(name, "INCR"u8) => RespCommandName.Incr,
        4 when Is(name, "MSET"u8) => RespCommandName.MSet,
        4 when Is(name, "LPOP"u8) => RespCommandName.LPop,
        4 when Is(name, "RPOP"u8) => RespCommandName.RPop,
        4 when Is(name, "SADD"u8) => RespCommandName.SAdd,
        4 when Is(name, "SPOP"u8) => RespCommandName.SPop,
        4 when Is(name, "HSET"u8) => RespCommandName.HSet,
        4 when Is(name, "HGET"u8) => RespCommandName.HGet,
        4 when Is(name, "QUIT"u8) => RespCommandName.Quit,
        5 when Is(name, "LPUSH"u8) => RespCommandName.LPush,
        5 when Is(name, "RPUSH"u8) => RespCommandName.RPush,
        6 when Is(name, "LRANGE"u8) => RespCommandName.LRange,
        _ => RespCommandName.Unknown,
    };

    /// <summary>Whether <paramref name="count"/> arguments (the name included) fit the command, as Redis's arity table says
    /// (SET only without options: SET key value).</summary>
    public static bool AcceptsArity(RespCommandName command, int count) => command switch
    {
        RespCommandName.Ping => count is 1 or 2,
        RespCommandName.Quit => count == 1,
        RespCommandName.Echo or RespCommandName.Get or RespCommandName.Incr or RespCommandName.LPop or RespCommandName.RPop or RespCommandName.SPop => count == 2,
        RespCommandName.Set or RespCommandName.HGet => count == 3,
        RespCommandName.LRange => count == 4,
        RespCommandName.Del => count >= 2,
        RespCommandName.LPush or RespCommandName.RPush or RespCommandName.SAdd => count >= 3,
        RespCommandName.MSet => count >= 3 && count % 2 == 1,  // MSET key value [key value ...]
        RespCommandName.HSet => count >= 4 && count % 2 == 0,  // HSET key field value [field value ...]
        _ => false,
    };

    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> upper) => Ascii.EqualsIgnoreCase(name, upper);
}
