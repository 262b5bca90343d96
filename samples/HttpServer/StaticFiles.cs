using System.Collections.Concurrent;

namespace HttpServer;

/// <summary>
/// Files under one root directory, looked up by decoded request path: <c>/</c> and directories serve their
/// <c>index.html</c>; a path that leaves the root (<c>..</c>, a backslash) is not found. A file is read once and kept
/// while its size and modification time stay the same, so a hot file costs no read; and a request path served in the
/// last second is answered from memory without a stat or a path check (nginx's <c>open_file_cache_valid</c>, 60 s by
/// default there): per request, the lookup allocated a split array, a full path and a FileInfo and made two stat()
/// calls, and wrk's p99 on a small file was 1.5-8.8x nginx's (docs/benchmarks.md, stop 19).
/// Files over 16 MiB are refused: this sample writes each reply whole into the inline handler's output buffer.
/// </summary>
public sealed class StaticFiles
{
    /// <summary>The largest file served.</summary>
    public const long MaxFileLength = 16 * 1024 * 1024;

    private const int MaxCachedFiles = 1024;
    private readonly string? _root;
    private const long RevalidateMs = 1000;
    private readonly ConcurrentDictionary<string, StaticFile> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (StaticFile File, long CheckedAt)> _recent = new(StringComparer.Ordinal);

    /// <summary>Serves <paramref name="root"/> (resolved against the current directory); null or missing: no files.</summary>
    public StaticFiles(string? root)
    {
        _root = root is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        RootExists = _root is not null && Directory.Exists(_root);
    }

    /// <summary>The root's full path, or null when none is configured.</summary>
    public string? Root => _root;

    /// <summary>Whether the root is an existing directory (checked at start).</summary>
    public bool RootExists { get; }

    /// <summary>The file for <paramref name="path"/> (starts with '/'), or null when there is none.</summary>
    /// <exception cref="IOException">The file exists but could not be read, or is over <see cref="MaxFileLength"/>.</exception>
    public StaticFile? Find(string path)
    {
        if (_recent.TryGetValue(path, out var hit) && Environment.TickCount64 - hit.CheckedAt < RevalidateMs)
        {
            return hit.File;
        }

        StaticFile? found = Lookup(path);
        if (found is not null && (_recent.Count < MaxCachedFiles || _recent.ContainsKey(path)))
        {
            _recent[path] = (found, Environment.TickCount64);
        }

        return found;
    }

    private StaticFile? Lookup(string path)
    {
        if (_root is null || path.Contains('\\') || path.Split('/').Any(segment => segment == ".."))
        {
            return null;
        }

        string full = Path.GetFullPath(Path.Join(_root, path));
        if (full != _root && !full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return null;
        }

        if (Directory.Exists(full))
        {
            full = Path.Join(full, "index.html");
        }

        var info = new FileInfo(full);
        if (!info.Exists)
        {
            return null;
        }

        if (_cache.TryGetValue(full, out StaticFile? cached) && cached.LastWriteUtc == info.LastWriteTimeUtc && cached.Content.Length == info.Length)
        {
            return cached;
        }

        if (info.Length > MaxFileLength)
        {
            throw new IOException($"{info.Length} bytes: this sample serves files of at most {MaxFileLength} bytes");
        }

        var file = new StaticFile(File.ReadAllBytes(full), ContentType(full), info.LastWriteTimeUtc);
        if (_cache.Count < MaxCachedFiles || _cache.ContainsKey(full))
        {
            _cache[full] = file;
        }

        return file;
    }

    private static string ContentType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".html" or ".htm" => "text/html; charset=utf-8",
        ".txt" => "text/plain; charset=utf-8",
        ".css" => "text/css",
        ".js" => "text/javascript",
        ".json" => "application/json",
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}

/// <summary>A file's bytes as served, with what they were read under.</summary>
public sealed record StaticFile(byte[] Content, string ContentType, DateTime LastWriteUtc);
