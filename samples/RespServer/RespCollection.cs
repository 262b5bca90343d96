namespace RespServer;

/// <summary>A collection value that commands fill from their remaining arguments (LPUSH, RPUSH, SADD, HSET).</summary>
internal interface IRespFillable
{
    /// <summary>Adds every remaining argument (for a hash, each field and value pair), at the head when
    /// <paramref name="atHead"/> (lists only); gives the command's integer reply.</summary>
    long Add(ref RespArguments arguments, bool atHead);
}

/// <summary>A collection value that commands take elements from (LPOP, RPOP, SPOP); emptied, the key is deleted.</summary>
internal interface IRespPoppable
{
    int Count { get; }

    /// <summary>Removes and returns an element (from the head when <paramref name="atHead"/>, for lists); the collection must not be empty.</summary>
    byte[] Pop(bool atHead);
}
