using System.Collections.Concurrent;

namespace HttpServer;

/// <summary>
/// Files under one root directory, looked up by decoded request path: <c>/</c> and directories serve their
/// <c>index.html</c>; a path that leaves the root (<c>..</c>, a backslash) is not found. A file is read once and kept
/// while its size and modification time stay the same (checked by one stat per request), so a hot file costs no read.
/// Files over 16 MiB are refused: this sample writes each reply whole into the inline handler's output buffer.
/// </summary>
public sealed class StaticFiles
{
    /// <summary>The largest file served.</summary>
    public const long MaxFileLength = 16 * 1024 * 1024;

    private const int MaxCachedFiles = 1024;
    private readonly string? _root;
    private readonly ConcurrentDictionary<string, StaticFile> _cache = new(StringComparer.Ordinal);

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
